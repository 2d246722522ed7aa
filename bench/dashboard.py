"""Dashboard first paint and live query latency with 1 M purchases in the fact, beside a baseline.

    .venv/bin/python bench/dashboard.py [--purchases 1000000] [--runs 3] [--samples 5]

Needs the local stack (`shop-analytics up`, same SHOP_ANALYTICS_PORT_BASE) and Debian's
chromium. Set-up, not timed: a private topic and chDB directory; ``--purchases`` rows inserted
straight into the fact (one INSERT ... SELECT, spread over the last 30 days up to now), a product
snapshot naming their 500 products, a few days of every mart; then `shop-analytics stream` on
the topic and `shop-analytics dashboard`, each a process of its own on that one chDB. Each run:

* in one session of this process: ``SELECT count() FROM purchases`` (the baseline) and the live
  figures (`live_figures`), ``--samples`` times each, median;
* ``GET /live.json`` from the dashboard, ``--samples`` times, 1.2 s apart (past the 1 s the
  dashboard shares figures between requests): its turn on chDB with the stream, the query, JSON;
* first paint in a new browser page: from navigation to the live panel filled and every chart
  drawn (and the browser's first contentful paint);
* a purchase posted through the API (in-process app, real Kafka): from its 200 to the live panel
  showing it (stream batch, chDB turns, the page's 3 s refresh).

Prints each run with the load average beside it, then the median and range of each figure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from api.app import create_app
from shop_analytics import settings as settings_module
from shop_analytics.dashboard.access import COOKIE
from shop_analytics.live import live_figures
from shop_analytics_tests.test_api.conftest import (
    AUTH,
    READ_TOKEN,
    api_config,
    purchase_body,
)
from shop_analytics_tests.test_dashboard.marts import fill_marts
from shop_analytics_tests.test_dashboard.process import now_stamp, start_dashboard, stop
from shop_analytics_tests.test_streaming import helpers as h

CHROMIUM = "/usr/bin/chromium"
PRODUCTS = 500
DRAWN = (
    "document.getElementById('live-status').textContent.startsWith('as of') && "
    "[...document.querySelectorAll('.chart')].every((c) => c.dataset.state === 'drawn')"
)


def loadavg() -> str:
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def product_id(number: str) -> str:
    return f"toUUID(concat('00000000-0000-4000-8000-', leftPad(toString({number}), 12, '0')))"


def fill_fact(place: h.StreamPlace, purchases: int) -> float:
    """``purchases`` rows over the 30 days up to now, and names for their products."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")
    started = time.perf_counter()
    with place.resources()["clickhouse"].session() as client:
        client.command(
            "INSERT INTO purchases (purchase_id, client_id, product_id, quantity, price, "
            "timestamp, _partition, _offset) SELECT generateUUIDv4(), generateUUIDv4(), "
            f"{product_id(f'number % {PRODUCTS}')}, 1 + number % 5, "
            f"round(1 + (number % 997) / 3, 2), toDateTime64('{now}', 3, 'UTC') - "
            f"toIntervalMillisecond(intDiv(number * 2592000000, {purchases})), 0, number "
            f"FROM numbers({purchases})"
        )
        client.command(
            "INSERT INTO product_metrics (as_of, product_id, name, category, list_price) "
            f"SELECT today() - 1, {product_id('number')}, concat('Product ', toString(number)), "
            f"concat('category-', toString(number % 12)), 10 FROM numbers({PRODUCTS})"
        )
    return time.perf_counter() - started


def query_latencies(place: h.StreamPlace, samples: int) -> tuple[float, float]:
    """Median seconds of the baseline and of the live figures, in one session."""
    baseline, live = [], []
    with place.resources()["clickhouse"].session() as client:
        for _ in range(samples):
            started = time.perf_counter()
            client.query("SELECT count() FROM purchases")
            baseline.append(time.perf_counter() - started)
            started = time.perf_counter()
            live_figures(client, datetime.now(UTC))
            live.append(time.perf_counter() - started)
    return statistics.median(baseline), statistics.median(live)


def http_latency(url: str, samples: int) -> float:
    times = []
    for _ in range(samples):
        time.sleep(1.2)
        request = urllib.request.Request(
            f"{url}/live.json", headers={"Authorization": f"Bearer {READ_TOKEN}"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=300) as answer:
            answer.read()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def first_paint(page: Page, url: str) -> tuple[float, float]:
    """Seconds from navigation to every figure drawn, and the browser's first contentful paint."""
    started = time.perf_counter()
    page.goto(f"{url}/")
    page.wait_for_function(DRAWN, timeout=300_000, polling=50)
    drawn = time.perf_counter() - started
    fcp = page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0].startTime / 1000"
    )
    return drawn, fcp


def posted_to_shown(page: Page, api: Any) -> float:
    shown = int(page.inner_text("#today-orders").replace(",", ""))
    body = purchase_body(quantity=1, price=9.99, timestamp=now_stamp())
    answer = api.test_client().post("/api/purchases", json=body, headers=AUTH)
    assert answer.status_code == 200, answer.json
    started = time.perf_counter()
    page.wait_for_function(
        "Number(document.getElementById('today-orders').textContent.replaceAll(',', '')) "
        f"> {shown}",
        timeout=300_000,
        polling=50,
    )
    return time.perf_counter() - started


def measure(place: h.StreamPlace, url: str, args: argparse.Namespace) -> dict[str, list[float]]:
    """Every figure of every run, printed as each run ends."""
    api = create_app(api_config(), place.resources())
    rows: dict[str, list[float]] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for run in range(1, args.runs + 1):
                load_before = loadavg()
                baseline, live = query_latencies(place, args.samples)
                served = http_latency(url, args.samples)
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                context.add_cookies([{"name": COOKIE, "value": READ_TOKEN, "url": url}])
                page = context.new_page()
                drawn, fcp = first_paint(page, url)
                shown = posted_to_shown(page, api)
                context.close()
                figures = {
                    "baseline SELECT count() (s)": baseline,
                    "live figures query (s)": live,
                    "live / baseline": live / baseline,
                    "GET /live.json beside the stream (s)": served,
                    "first paint, every chart drawn (s)": drawn,
                    "first contentful paint (s)": fcp,
                    "purchase posted -> in the live panel (s)": shown,
                }
                for name, value in figures.items():
                    rows.setdefault(name, []).append(value)
                print(
                    f"run {run}: "
                    + ", ".join(f"{name} {value:.3f}" for name, value in figures.items())
                    + f"; load {load_before} -> {loadavg()}"
                )
            browser.close()
    finally:
        api.extensions["shop_analytics_api"].close()
    return rows


def report(name: str, values: list[float], unit: str = "s") -> None:
    print(
        f"  {name:<44} median {statistics.median(values):8.3f} {unit}  "
        f"(range {min(values):.3f}-{max(values):.3f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=5)
    args = parser.parse_args()
    settings = settings_module.export_defaults()
    work = Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    place = h.new_place(settings, work)
    filled_s = fill_fact(place, args.purchases)
    print(f"set-up: {args.purchases:,} purchases into the fact in {filled_s:.1f} s")
    fill_marts(place.resources()["clickhouse"], datetime.now(UTC).date())
    stream = h.start_stream(place, "--group-id", f"bench-{place.topic}", log=work / "stream.log")
    try:
        dashboard = start_dashboard(place, settings.dashboard_port, work / "dashboard.log")
        try:
            rows = measure(place, f"http://127.0.0.1:{settings.dashboard_port}", args)
        finally:
            stop(dashboard)
    finally:
        stop(stream)
        shutil.rmtree(work, ignore_errors=True)
    print(f"{args.runs} runs, {args.purchases:,} purchases in the fact:")
    for name, values in rows.items():
        report(name, values, unit="x" if "/" in name and "(s)" not in name else "s")


if __name__ == "__main__":
    main()
