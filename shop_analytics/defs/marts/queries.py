"""The SQL of the daily marts: the ClickHouse fact `purchases` of a range of UTC days, grouped
by day, with product names, categories and sellers from the batch's newest product snapshot;
the marts about clients' history (new or returning, repeat buyers, cohorts) also read every
client's earlier purchase days.

The statements live in `sql/` beside this module. Line amounts are summed as decimals (to 1/100
of a cent): a float sum depends on the order rows arrive in, and re-running a day must give the
same numbers to the last digit. A purchase of a product the catalogue does not know counts under
"unknown".
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Final

UNKNOWN: Final = "unknown"
MARTS: Final = ("sales_daily", "category_revenue_daily", "top_products_daily",
                "seller_performance_daily", "seller_products_daily", "baskets_daily",
                "customer_type_revenue_daily", "repeat_purchase_daily",
                "cohort_retention")  # fmt: skip


@cache
def sql_file(name: str) -> str:
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text("utf-8")


def mart_insert(mart: str, target: str) -> str:
    """``INSERT INTO target`` of ``mart``'s rows for the days ``first``..``last`` (parameters,
    ``YYYY-MM-DD``), one statement for the whole range."""
    # The marts are partitioned by day, so a range's INSERT writes one partition per day: lift
    # ClickHouse's guard of 100 partitions per insert block, made for inserts that partition
    # by mistake; the number here is the run's days, which the caller chose.
    return (
        f"INSERT INTO {target} WITH {sql_file('range_purchases')} {sql_file(mart)} "
        "SETTINGS join_use_nulls = 1, max_partitions_per_insert_block = 0"
    )
