"""The SQL of the daily marts: the ClickHouse fact `purchases` of one UTC day, with product
names, categories and sellers from the batch's newest product snapshot.

Purchases are read with FINAL: the fact is a ReplacingMergeTree, and a purchase delivered twice
must count once. Line amounts are summed as decimals (to 1/100 of a cent): a float sum depends on
the order rows arrive in, and re-running a day must give the same numbers to the last digit.
A purchase of a product the catalogue does not know counts under "unknown".
"""

from __future__ import annotations

from typing import Final

UNKNOWN: Final = "unknown"

DAY_PURCHASES: Final = """
    day_purchases AS (
        SELECT p.purchase_id, p.client_id, p.product_id, p.quantity,
               round(toDecimal128(p.quantity * p.price, 8), 4) AS amount,
               coalesce(p.seller_id, d.seller_id) AS seller_id,
               coalesce(d.name, 'unknown') AS name,
               coalesce(d.category, 'unknown') AS category
        FROM (SELECT * FROM purchases FINAL
              WHERE timestamp >= toDateTime64(%(day)s, 3, 'UTC')
                AND timestamp < toDateTime64(%(day)s, 3, 'UTC') + INTERVAL 1 DAY) AS p
        LEFT JOIN (
            SELECT product_id, argMax(name, as_of) AS name, argMax(category, as_of) AS category,
                   argMax(seller_id, as_of) AS seller_id
            FROM product_metrics GROUP BY product_id
        ) AS d ON p.product_id = d.product_id
    )
"""

MART_SELECTS: Final[dict[str, str]] = {
    "sales_daily": """
        SELECT toDate(%(day)s) AS day, count() AS orders, sum(quantity) AS units,
               sum(amount) AS revenue, uniqExact(client_id) AS clients,
               if(orders = 0, 0, revenue / orders) AS avg_order_value
        FROM day_purchases HAVING orders > 0
    """,
    "category_revenue_daily": """
        SELECT toDate(%(day)s) AS day, category, count() AS orders, sum(quantity) AS units,
               sum(amount) AS revenue
        FROM day_purchases GROUP BY category
    """,
    "top_products_daily": """
        SELECT day, toUInt8(position) AS rank, product_id, name, category, units, revenue FROM (
            SELECT toDate(%(day)s) AS day, product_id, any(name) AS name,
                   any(category) AS category, sum(quantity) AS units, sum(amount) AS revenue,
                   row_number() OVER (ORDER BY revenue DESC, product_id) AS position
            FROM day_purchases GROUP BY product_id
        )
        -- Filter on the window's own number: an outer alias `rank` would be the UInt8, which
        -- wraps at 256 and would let positions 256-266 back in as 0-10.
        WHERE position <= 10
    """,
    "seller_performance_daily": """
        SELECT toDate(%(day)s) AS day, dp.seller_id AS seller_id,
               coalesce(any(s.name), 'unknown') AS seller_name, count() AS orders,
               sum(dp.quantity) AS units, sum(dp.amount) AS revenue,
               uniqExact(dp.product_id) AS products_sold
        FROM day_purchases AS dp
        LEFT JOIN (SELECT seller_id, argMax(name, as_of) AS name FROM seller_names
                   GROUP BY seller_id) AS s ON dp.seller_id = s.seller_id
        GROUP BY dp.seller_id
    """,
}


def mart_insert(mart: str) -> str:
    """``INSERT INTO mart`` of one day (parameter ``day``, ``YYYY-MM-DD``)."""
    return (
        f"INSERT INTO {mart} WITH {DAY_PURCHASES} {MART_SELECTS[mart]} SETTINGS join_use_nulls = 1"
    )
