"""The docs page in a real browser (Debian's chromium through Playwright), with every request
that is not to 127.0.0.1 blocked: the page must render the operations from local files alone."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.mark.skipif(shutil.which(CHROMIUM) is None, reason="Debian's chromium is not installed")
def test_docs_render_offline_without_keeping_the_token(served: str, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []

    def only_local(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()  # type: ignore[attr-defined]
        else:
            outside.append(url)
            route.abort()  # type: ignore[attr-defined]

    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            page.goto(f"{served}/api/docs")
            page.wait_for_selector(".opblock", timeout=30_000)
            operations = page.locator(".opblock-summary-path").all_inner_texts()
            kept = page.evaluate("JSON.stringify(window.localStorage)")
            page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)
        finally:
            browser.close()

    assert outside == []
    assert "/api/purchases" in {text.strip().replace("\u200b", "") for text in operations}
    assert len(operations) >= 20
    assert "authorized" not in kept
    assert (tmp_path / "docs.png").stat().st_size > 10_000
