"""The backfill's progress line per step, without a run."""

from __future__ import annotations

from shop_analytics.cli.backfill_run import StepProgress


def test_a_partitioned_step_names_its_days_and_rows() -> None:
    progress = StepProgress(days={"2025-01-01", "2025-01-02"}, rows={"sales_daily": 1200})
    assert progress.line("daily_marts", 3.14) == "[daily_marts] 2 days, 1,200 rows, 3.1 s"


def test_an_as_of_step_without_row_counts_says_only_its_day() -> None:
    progress = StepProgress(as_of="2026-06-30")
    assert progress.line("sales_report", 9.71) == "[sales_report] as of 2026-06-30, 9.7 s"
