"""ClickHouse tables the batch and the marts fill, and how a day's rows are replaced.

Adding a table is one entry in `TABLES` (and its day column or key below if not the defaults):
`shop-analytics provision` creates it.

Every table is partitioned by its day column: re-running a day drops that day's partition and
inserts it again, so the result is the same however often it runs (and nothing else is touched).
"""

from __future__ import annotations

from typing import Final

from clickhouse_connect.driver.client import Client

TABLES: Final[dict[str, str]] = {
    # The batch's snapshots, one per day they are "as of".
    "client_rfm": """
        as_of Date, client_id UUID, order_count UInt32, units UInt64, revenue Float64,
        first_purchase_at DateTime64(3, 'UTC'), last_purchase_at DateTime64(3, 'UTC'),
        recency_days Int32, r_score UInt8, f_score UInt8, m_score UInt8,
        rfm_segment LowCardinality(String), lifetime_value Float64
    """,
    "product_metrics": """
        as_of Date, product_id UUID, name String, category LowCardinality(String),
        seller_id Nullable(UUID), list_price Float64, units_sold UInt64, revenue Float64,
        available_stock Int64
    """,
    # A copy of PostgreSQL `sellers`' names, so the seller mart can show them.
    "seller_names": "as_of Date, seller_id UUID, name String",
    # The marts, one row set per day.
    "sales_daily": """
        day Date, orders UInt64, units UInt64, revenue Float64, clients UInt64,
        avg_order_value Float64
    """,
    "category_revenue_daily": """
        day Date, category LowCardinality(String), orders UInt64, units UInt64, revenue Float64
    """,
    "top_products_daily": """
        day Date, rank UInt8, product_id UUID, name String, category LowCardinality(String),
        units UInt64, revenue Float64
    """,
    "seller_performance_daily": """
        day Date, seller_id Nullable(UUID), seller_name String, orders UInt64, units UInt64,
        revenue Float64, products_sold UInt64
    """,
    "seller_products_daily": """
        day Date, seller_id Nullable(UUID), seller_name String, product_id UUID,
        product_name String, category LowCardinality(String), orders UInt64, units UInt64,
        revenue Float64, share_of_seller_revenue Float64
    """,
    "baskets_daily": """
        day Date, baskets UInt64, revenue Float64, avg_basket_value Float64,
        avg_units_per_basket Float64, avg_products_per_basket Float64
    """,
    "customer_type_revenue_daily": """
        day Date, customer_type LowCardinality(String), clients UInt64, orders UInt64,
        units UInt64, revenue Float64
    """,
    "repeat_purchase_daily": """
        day Date, customers UInt64, repeat_customers UInt64, repeat_purchase_rate Float64
    """,
    "cohort_retention": """
        day Date, cohort_month Date, months_since UInt16, cohort_clients UInt64,
        active_clients UInt64, retention Float64
    """,
}
DAY_COLUMN: Final = {"client_rfm": "as_of", "product_metrics": "as_of", "seller_names": "as_of"}
ORDER_BY: Final = {
    "client_rfm": "client_id",
    "product_metrics": "product_id",
    "seller_names": "seller_id",
    "category_revenue_daily": "category",
    "top_products_daily": "rank",
    "seller_performance_daily": "seller_name",
    "seller_products_daily": "seller_name, product_id",
    "customer_type_revenue_daily": "customer_type",
    "cohort_retention": "cohort_month, months_since",
}


def table_ddl(name: str) -> str:
    """`CREATE TABLE` of ``name``; `tables.registry.provision` runs it where it is missing."""
    day = DAY_COLUMN.get(name, "day")
    order = ORDER_BY.get(name, day)
    return (
        f"CREATE TABLE {name} ({TABLES[name]}) ENGINE = MergeTree "
        f"PARTITION BY {day} ORDER BY ({order}) SETTINGS allow_nullable_key = 1"
    )


def drop_days(client: Client, table: str, days: list[str]) -> None:
    """Remove the rows of ``days`` (a missing partition is not an error)."""
    for day in days:
        client.command(f"ALTER TABLE {table} DROP PARTITION %(day)s", parameters={"day": day})
