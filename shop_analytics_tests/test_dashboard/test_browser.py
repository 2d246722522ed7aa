"""The dashboard in a real browser (Debian's chromium through Playwright) while the stream
writes: `shop-analytics dashboard` and `shop-analytics stream` run as processes of their own on
one embedded chDB, a purchase is posted through the API, and the live panel shows it.

Every request that is not to 127.0.0.1 is blocked and recorded: the page must draw its charts
from the dashboard's own files."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from api.app import create_app
from shop_analytics.settings import Settings
from shop_analytics_tests.test_api.conftest import AUTH, READ_TOKEN, api_config, purchase_body
from shop_analytics_tests.test_dashboard.marts import fill_marts
from shop_analytics_tests.test_dashboard.process import now_stamp, start_dashboard, stop
from shop_analytics_tests.test_streaming import helpers as h

CHROMIUM = "/usr/bin/chromium"
# A generous bound on waits for a state (a loaded 2-core machine): never a fixed sleep.
SHOWN_S = 120


@dataclass
class Running:
    place: h.StreamPlace
    url: str


@pytest.fixture
def running(stack: Settings, tmp_path: Path) -> Iterator[Running]:
    """Marts in a chDB of the test's own, the stream writing into it, the dashboard reading."""
    place = h.new_place(stack, tmp_path)
    fill_marts(place.resources()["clickhouse"], datetime.now(UTC).date())
    stream = h.start_stream(
        place, "--group-id", f"dashboard-{place.topic}", log=tmp_path / "stream.log"
    )
    try:
        dashboard = start_dashboard(place, stack.dashboard_port, tmp_path / "dashboard.log")
    except BaseException:
        stop(stream)
        raise
    try:
        yield Running(place, f"http://127.0.0.1:{stack.dashboard_port}")
    finally:
        stop(dashboard)
        stop(stream)


def _clear_of_midnight() -> None:
    """Past 23:55 UTC, wait for the new day: the purchase must count in today's span, which
    would otherwise end before the panel shows it."""
    now = datetime.now(UTC)
    if now.hour == 23 and now.minute >= 55:
        time.sleep(
            (timedelta(days=1) - (now - now.replace(hour=0, minute=0, second=0))).total_seconds()
            + 5
        )


CHART_POINTS = """() => [...document.querySelectorAll('.chart')].map((chart) => [
    chart.id, chart.dataset.state || '',
    (chart.data || []).reduce((n, t) => n + (t.values || t.z || t.y || []).length, 0),
    chart.querySelectorAll('.main-svg').length,
])"""


def test_dashboard_draws_every_chart_and_shows_a_posted_purchase(
    running: Running, tmp_path: Path
) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    outside: list[str] = []
    errors: list[str] = []

    def only_local(route: Any) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    api = create_app(api_config(), running.place.resources())
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.route("**/*", only_local)
                _clear_of_midnight()
                page.goto(f"{running.url}/")
                page.fill("#token", READ_TOKEN)
                page.click("button[type=submit]")
                page.wait_for_selector("#live-status:has-text('as of')", timeout=SHOWN_S * 1000)
                assert page.inner_text("#today-orders") == "0"
                page.screenshot(path=str(tmp_path / "before.png"), full_page=True)

                body = purchase_body(quantity=3, price=12.5, timestamp=now_stamp())
                posted = api.test_client().post("/api/purchases", json=body, headers=AUTH)
                assert posted.status_code == 200, posted.json
                accepted = time.monotonic()
                page.wait_for_function(
                    "document.getElementById('today-orders').textContent === '1'",
                    timeout=SHOWN_S * 1000,
                )
                shown_after_s = time.monotonic() - accepted
                page.wait_for_function(
                    "[...document.querySelectorAll('.chart')]"
                    ".every((c) => c.dataset.state === 'drawn')",
                    timeout=SHOWN_S * 1000,
                )
                charts = page.evaluate(CHART_POINTS)
                figures = {
                    name: page.inner_text(f"#{name}")
                    for name in ("today-revenue", "today-units", "last_hour-orders")
                }
                page.screenshot(path=str(tmp_path / "after.png"), full_page=True)
            finally:
                browser.close()
    finally:
        api.extensions["shop_analytics_api"].close()

    print(f"purchase shown in the live panel {shown_after_s:.1f} s after the API accepted it")
    assert outside == []
    assert errors == []
    assert figures == {"today-revenue": "37.50", "today-units": "3", "last_hour-orders": "1"}
    assert len(charts) == 8
    for chart_id, state, points, svgs in charts:
        assert (state, points > 0, svgs > 0) == ("drawn", True, True), chart_id
    for shot in ("before.png", "after.png"):
        assert (tmp_path / shot).stat().st_size > 20_000
