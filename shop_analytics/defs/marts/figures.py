"""The day's headline figures of each mart, recorded as numeric metadata of the day's partition
so each asset's page in the Dagster UI plots them over the partitions.

A range run records each day's own figures: Dagster takes metadata per partition key
(``context.add_asset_metadata(..., partition_key=day)``) and writes one materialization per day.
A day without sales records zeros.
"""

from __future__ import annotations

from typing import Final

import dagster as dg
from clickhouse_connect.driver.client import Client

# Per mart: its figures as aggregates over one day's rows (rates and averages of single-row-a-day
# marts are taken as they are; money is rounded to the cent).
FIGURES: Final[dict[str, tuple[str, ...]]] = {
    "sales_daily": (
        "round(sum(revenue), 2) AS revenue", "sum(orders) AS orders", "sum(units) AS units",
        "sum(clients) AS clients", "round(sum(avg_order_value), 2) AS avg_order_value",
    ),
    "category_revenue_daily": (
        "count() AS categories", "round(max(revenue), 2) AS top_category_revenue",
    ),
    "top_products_daily": (
        "round(sumIf(revenue, rank = 1), 2) AS top_product_revenue",
        "round(sum(revenue), 2) AS top_ten_revenue",
    ),
    "seller_performance_daily": (
        "count() AS sellers", "round(max(revenue), 2) AS top_seller_revenue",
    ),
    "seller_products_daily": (
        "count() AS seller_products", "round(sum(revenue), 2) AS revenue",
    ),
    "baskets_daily": (
        "sum(baskets) AS baskets", "round(sum(avg_basket_value), 2) AS avg_basket_value",
        "sum(avg_units_per_basket) AS avg_units_per_basket",
        "sum(avg_products_per_basket) AS avg_products_per_basket",
    ),
    "customer_type_revenue_daily": (
        "round(sumIf(revenue, customer_type = 'new'), 2) AS new_revenue",
        "round(sumIf(revenue, customer_type = 'returning'), 2) AS returning_revenue",
        "sumIf(clients, customer_type = 'new') AS new_clients",
        "sumIf(clients, customer_type = 'returning') AS returning_clients",
    ),
    "repeat_purchase_daily": (
        "sum(customers) AS customers", "sum(repeat_customers) AS repeat_customers",
        "sum(repeat_purchase_rate) AS repeat_purchase_rate",
    ),
    "cohort_retention": (
        "uniqExact(cohort_month) AS cohorts",
        "sumIf(active_clients, months_since = 0) AS clients_in_cohorts",
    ),
}  # fmt: skip


def day_figures(client: Client, mart: str, days: list[str]) -> dict[str, dict[str, float]]:
    """Each of ``days``' figures of ``mart`` (every day of the list, zeros where it has none)."""
    result = client.query(
        f"SELECT toString(day), {', '.join(FIGURES[mart])} FROM {mart} "
        "WHERE day BETWEEN %(first)s AND %(last)s GROUP BY day",
        parameters={"first": days[0], "last": days[-1]},
    )
    names = result.column_names[1:]
    found = {row[0]: dict(zip(names, row[1:], strict=True)) for row in result.result_rows}
    zeros = dict.fromkeys(names, 0)
    return {day: found.get(day, zeros) for day in days}


def as_metadata(figures: dict[str, float]) -> dict[str, dg.MetadataValue]:
    return {
        name: dg.MetadataValue.int(value)
        if isinstance(value, int)
        else dg.MetadataValue.float(float(value))
        for name, value in figures.items()
    }
