"""The dashboard's history charts: the ClickHouse marts over a range of days.

A chart whose mart is absent (the daily batch has not run, or the mart is newer than this
deployment's batch) or empty for the range says so instead of failing the page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Final

from clickhouse_connect.driver.client import Client

from shop_analytics.live.figures import existing_tables

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chart:
    mart: str
    sql: str


RANGE = "day BETWEEN %(first)s AND %(last)s"
# Snapshot marts: the newest snapshot at or before the range's last day.
AS_OF = "as_of = (SELECT max(as_of) FROM client_rfm WHERE as_of <= %(last)s)"
CHARTS: Final[dict[str, Chart]] = {
    "revenue_per_day": Chart(
        "sales_daily",
        "SELECT toString(day) AS day, orders, units, revenue, avg_order_value "
        f"FROM sales_daily WHERE {RANGE} ORDER BY day",
    ),
    "categories": Chart(
        "category_revenue_daily",
        "SELECT category, sum(orders) AS orders, sum(units) AS units, sum(revenue) AS revenue "
        f"FROM category_revenue_daily WHERE {RANGE} GROUP BY category ORDER BY revenue DESC",
    ),
    # The mart keeps each day's ten best products: over a range, their revenue on the days they
    # were among the ten.
    "top_products": Chart(
        "top_products_daily",
        "SELECT any(name) AS name, any(category) AS category, sum(units) AS units, "
        f"sum(revenue) AS revenue FROM top_products_daily WHERE {RANGE} "
        "GROUP BY product_id ORDER BY revenue DESC, name LIMIT 10",
    ),
    "sellers": Chart(
        "seller_performance_daily",
        "SELECT seller_name, sum(orders) AS orders, sum(units) AS units, sum(revenue) AS revenue "
        f"FROM seller_performance_daily WHERE {RANGE} GROUP BY seller_name "
        "ORDER BY revenue DESC, seller_name LIMIT 15",
    ),
    "rfm_segments": Chart(
        "client_rfm",
        "SELECT toString(as_of) AS snapshot, rfm_segment, count() AS clients, "
        f"sum(revenue) AS revenue FROM client_rfm WHERE {AS_OF} "
        "GROUP BY snapshot, rfm_segment ORDER BY clients DESC",
    ),
    "cohorts": Chart(
        "cohort_retention",
        "SELECT toString(day) AS snapshot, toString(cohort_month) AS cohort_month, months_since, "
        "cohort_clients, retention FROM cohort_retention "
        "WHERE day = (SELECT max(day) FROM cohort_retention WHERE day <= %(last)s) "
        "ORDER BY cohort_month, months_since",
    ),
}


def history(client: Client, first: date, last: date) -> dict[str, dict[str, Any]]:
    """Each chart's rows ``{"rows": [...]}``, or ``{"message": ...}`` saying why there are none."""
    tables = existing_tables(client)
    window = {"first": first.isoformat(), "last": last.isoformat()}
    charts: dict[str, dict[str, Any]] = {}
    for name, chart in CHARTS.items():
        if chart.mart not in tables:
            charts[name] = {"message": f"mart {chart.mart} is not built yet (run the daily batch)"}
            continue
        try:
            rows = [
                {key: _plain(value) for key, value in row.items()}
                for row in client.query(chart.sql, parameters=window).named_results()
            ]
        except Exception as error:  # a mart of another shape: this chart only fails
            logger.warning("dashboard chart %s: %s", name, error)
            charts[name] = {"message": f"mart {chart.mart} could not be read"}
            continue
        if rows:
            charts[name] = {"rows": rows}
        else:
            charts[name] = {"message": f"mart {chart.mart} has no rows for {first}..{last}"}
    return charts


def newest_day(client: Client) -> date | None:
    """The newest day of sales_daily, where the default range ends (None: no mart yet)."""
    if "sales_daily" not in existing_tables(client):
        return None
    newest = client.query("SELECT max(day), count() FROM sales_daily").result_rows[0]
    return newest[0] if newest[1] else None


def _plain(value: Any) -> Any:
    """JSON-ready: decimals as numbers."""
    return float(value) if isinstance(value, Decimal) else value
