"""Debian's chromium driven by Playwright (no browser download is possible here), with every
request a test does not allow aborted and recorded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


@contextmanager
def guarded_page(allowed: Callable[[str], bool], **context: Any) -> Iterator[tuple[Any, list[str]]]:
    """A new page (browser context options ``context``) and the list of the URLs it was refused."""
    refused: list[str] = []

    def guard(route: Any) -> None:
        if allowed(route.request.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(**context).new_page()
            page.route("**/*", guard)
            yield page, refused
        finally:
            browser.close()
