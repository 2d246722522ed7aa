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

from shop_analytics_tests.browser import CHROMIUM, guarded_page


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
    with guarded_page(lambda url: urlsplit(url).hostname == "127.0.0.1") as (page, outside):
        page.goto(f"{served}/api/docs")
        page.wait_for_selector(".opblock", timeout=30_000)
        operations = page.locator(".opblock-summary-path").all_inner_texts()
        kept = page.evaluate("JSON.stringify(window.localStorage)")
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=True)

    assert outside == []
    assert "/api/purchases" in {text.strip().replace("\u200b", "") for text in operations}
    assert len(operations) >= 20
    assert "authorized" not in kept
    assert (tmp_path / "docs.png").stat().st_size > 10_000
