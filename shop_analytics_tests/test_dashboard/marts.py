"""A few days of every mart the dashboard draws, written straight into their tables."""

from __future__ import annotations

from datetime import date, timedelta

from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.tables.registry import provision_clickhouse

KITE = "00000000-0000-4000-8000-00000000000a"
RAKE = "00000000-0000-4000-8000-00000000000b"
SELLER = "00000000-0000-4000-8000-00000000000c"


def fill_marts(clickhouse: ClickHouseResource, today: date, days: int = 3) -> None:
    """Rows for the ``days`` days before ``today``, and snapshots as of yesterday."""
    yesterday = today - timedelta(days=1)
    provision_clickhouse(clickhouse)
    with clickhouse.session() as client:
        for n in range(1, days + 1):
            day = (today - timedelta(days=n)).isoformat()
            client.command(
                f"INSERT INTO sales_daily VALUES ('{day}', {10 * n}, {20 * n}, {100.5 * n}, "
                f"{5 * n}, 10.05)"
            )
            client.command(
                f"INSERT INTO category_revenue_daily VALUES ('{day}', 'toys', {n}, {n}, 60), "
                f"('{day}', 'garden', {n}, {n}, {40.5 * n})"
            )
            client.command(
                f"INSERT INTO top_products_daily VALUES ('{day}', 1, '{KITE}', 'Kite', 'toys', 2, "
                f"60), ('{day}', 2, '{RAKE}', 'Rake', 'garden', 1, 40.5)"
            )
            client.command(
                f"INSERT INTO seller_performance_daily VALUES ('{day}', '{SELLER}', "
                f"'Romashka', {n}, {n}, {100.5 * n}, 2)"
            )
        client.command(
            "INSERT INTO client_rfm (as_of, client_id, order_count, revenue, rfm_segment) "
            f"VALUES ('{yesterday}', generateUUIDv4(), 3, 90, 'champions'), "
            f"('{yesterday}', generateUUIDv4(), 1, 10, 'new')"
        )
        month = yesterday.replace(day=1).isoformat()
        client.command(
            f"INSERT INTO cohort_retention VALUES ('{yesterday}', '{month}', 0, 4, 4, 1.0), "
            f"('{yesterday}', addMonths(toDate('{month}'), -1), 0, 5, 5, 1.0), "
            f"('{yesterday}', addMonths(toDate('{month}'), -1), 1, 5, 2, 0.4)"
        )
