"""The short summary the demo and `shop-analytics report` print, read from the ClickHouse marts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shop_analytics.cli.demo import plain_resources
from shop_analytics.settings import Settings

Echo = Callable[[str], None]


def recent_days(settings: Settings, count: int) -> list[str]:
    """The newest ``count`` days that sales_daily holds."""
    with plain_resources(settings)["clickhouse"].session() as client:
        rows = client.query(
            "SELECT DISTINCT toString(day) AS d FROM sales_daily ORDER BY d DESC LIMIT %(n)s",
            parameters={"n": count},
        ).result_rows
    return sorted(row[0] for row in rows)


def print_summary(
    settings: Settings, days: list[str], report: Path | None, echo: Echo = print
) -> None:
    resources = plain_resources(settings)
    if not days:
        echo("No sales in the marts yet: run `shop-analytics demo` first.")
        return
    window = {"first": days[0], "last": days[-1]}
    with resources["clickhouse"].session() as client:
        daily = client.query(
            "SELECT toString(day), orders, units, revenue FROM sales_daily "
            "WHERE day BETWEEN %(first)s AND %(last)s ORDER BY day",
            parameters=window,
        ).result_rows
        categories = client.query(
            "SELECT category, sum(revenue) AS r FROM category_revenue_daily "
            "WHERE day BETWEEN %(first)s AND %(last)s GROUP BY category ORDER BY r DESC LIMIT 5",
            parameters=window,
        ).result_rows
    echo("\nRevenue per day (ClickHouse mart sales_daily):")
    for day, orders, units, revenue in daily:
        echo(f"  {day}  {orders:>7} orders  {units:>7} units  {revenue:>14,.2f}")
    echo("Top categories by revenue:")
    for category, revenue in categories:
        echo(f"  {category:<14} {revenue:>14,.2f}")
    if report is None:
        report = resources["reports"].folder / "latest.html"
    echo(f"Report: {report}" if report.exists() else "Report: not rendered yet")
    echo(
        "Open the Dagster UI with `make ui` (or `shop-analytics ui`): "
        f"http://127.0.0.1:{settings.dagster_ui_port} shows the asset lineage, these runs, "
        "the Kafka sensor and the daily schedule."
    )
