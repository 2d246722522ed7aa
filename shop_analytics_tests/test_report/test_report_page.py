"""The sales report as a user gets it: the HTML file copied alone to another folder and opened
offline in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from shop_analytics.defs.report.charts import render_report
from shop_analytics.resources.reports import ReportsFolder
from shop_analytics_tests.browser import guarded_page

DAY = "2025-02-12"
# Three large categories and many thin ones: their labels would overlap if drawn one by one.
CATEGORY_REVENUE = {"electronics": 52_000.0, "home": 21_000.0, "garden": 9_400.0} | {
    f"tiny {i}": 40.0 + i for i in range(9)
}


def _frames() -> dict[str, pd.DataFrame]:
    days = pd.date_range(end=DAY, periods=30).date
    return {
        "daily": pd.DataFrame(
            {"day": days, "orders": range(30), "units": range(30),
             "revenue": [1000.0 + 10 * i for i in range(30)]}
        ),
        "categories": pd.DataFrame(
            {"category": list(CATEGORY_REVENUE), "revenue": list(CATEGORY_REVENUE.values())}
        ),
        "segments": pd.DataFrame(
            {"rfm_segment": ["champions", "loyal", "new"], "clients": [12, 30, 7],
             "revenue": [9000.0, 7000.0, 800.0]}
        ),
        "top_products": pd.DataFrame(
            {"rank": [1, 2], "name": ["Lamp", "Chair"], "category": ["home", "home"],
             "units": [40, 12], "revenue": [1234.5, 987.25]}
        ),
    }  # fmt: skip


@pytest.fixture
def copied_report(tmp_path: Path) -> Path:
    written = ReportsFolder(home=str(tmp_path / "home")).write(
        f"sales-report-{DAY}.html", render_report(DAY, **_frames())
    )
    assert [p.name for p in written.parent.iterdir()] == [written.name]  # no sidecar file
    alone = tmp_path / "elsewhere"
    alone.mkdir()
    return Path(shutil.copy(written, alone))


def test_report_copied_alone_draws_every_chart_offline(copied_report: Path, tmp_path: Path) -> None:
    errors: list[str] = []
    with guarded_page(
        lambda url: url.startswith(("file:", "data:", "blob:")),
        offline=True,
        viewport={"width": 1200, "height": 900},
    ) as (page, outside):
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(copied_report.as_uri())
        page.wait_for_function(
            "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 3",
            timeout=60_000,
        )
        drawn = page.evaluate(
            "Array.from(document.querySelectorAll('.js-plotly-plot'))"
            ".map(el => el.querySelectorAll('g.point, g.slice').length)"
        )
        pie_labels = page.evaluate(
            "Array.from(document.querySelectorAll('g.slice text.slicetext'))"
            ".map(t => { const r = t.getBoundingClientRect();"
            " return [t.textContent, r.left, r.top, r.right, r.bottom]; })"
        )
        alignment = page.evaluate(
            "Array.from(document.querySelectorAll('table thead th')).map((th, i) => ["
            " getComputedStyle(th).textAlign,"
            " getComputedStyle(document.querySelector("
            "  `table tbody tr td:nth-child(${i + 1})`)).textAlign])"
        )
        page.screenshot(path=str(tmp_path / "report.png"), full_page=True)

    assert errors == []
    assert outside == []
    assert len(drawn) == 3 and all(points > 0 for points in drawn), drawn
    # The nine thin categories are one "other" slice, and no two labels overlap.
    labels = [label for label, *_ in pie_labels]
    assert any(label.startswith("other") for label in labels), labels
    assert not any(label.startswith("tiny") for label in labels), labels
    boxes = [box for _, *box in pie_labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], pie_labels
    assert len(alignment) == 5
    assert all(head == cell for head, cell in alignment), alignment
    assert (tmp_path / "report.png").stat().st_size > 10_000
