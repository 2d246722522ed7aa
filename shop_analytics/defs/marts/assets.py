"""The ClickHouse marts analysts query: sales, categories, top products, sellers and their
products, baskets, new and returning clients, repeat buyers and monthly cohorts, per day."""

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from clickhouse_connect.driver.client import Client

from shop_analytics.defs.common import (
    ANALYTICS_OWNERS,
    CLICKHOUSE_POOL,
    DAILY,
    SINGLE_RUN,
    markdown_table,
    partition_days,
)
from shop_analytics.defs.marts.figures import FIGURES, as_metadata, day_figures
from shop_analytics.defs.marts.queries import MARTS, mart_insert
from shop_analytics.defs.marts.replace import incoming_table, replace_days
from shop_analytics.defs.marts.stage_checks import STAGE_CHECKS, mart_frames, run_stage_checks
from shop_analytics.defs.sources.reads import read_sellers
from shop_analytics.resources import ClickHouseResource, LakeResource, PostgresResource
from shop_analytics.tables.clickhouse import drop_days
from shop_analytics.tables.lake import STAGE_TABLE

RECONCILE_CHECK = "marts_reconcile_with_stage"
_MART_DEPS = ["purchases", "product_metrics", "purchase_records"]

MART_SPECS = (  # a tuple: the defs loader would take a list of specs for assets of their own
    dg.AssetSpec(
        "sales_daily",
        description="One row per day with sales: orders, units, revenue, distinct buying "
        "clients and average order value (revenue / orders; an order is one purchase message, "
        "one product). Revenue is quantity x price paid, unrounded.",
        deps=_MART_DEPS,
    ),
    dg.AssetSpec(
        "category_revenue_daily",
        description="Per day and product category: orders, units and revenue. Purchases of "
        "products missing from the catalogue are under 'unknown'.",
        deps=_MART_DEPS,
    ),
    dg.AssetSpec(
        "top_products_daily",
        description="The ten products with the most revenue each day (rank 1 = most), with "
        "units and revenue.",
        deps=_MART_DEPS,
    ),
    dg.AssetSpec(
        "seller_performance_daily",
        description="Per day and seller: orders, units, revenue and distinct products sold. "
        "The seller is the purchase's own, or else the product's.",
        deps=[*_MART_DEPS, "sellers"],
    ),
    dg.AssetSpec(
        "seller_products_daily",
        description="Per day, seller and product sold: product name and category, orders, "
        "units, revenue and the product's share of the seller's revenue that day (0-1). The "
        "seller is the purchase's own, or else the product's.",
        deps=[*_MART_DEPS, "sellers"],
    ),
    dg.AssetSpec(
        "baskets_daily",
        description="One row per day with sales about baskets, a basket being one client's "
        "purchases of that UTC day (a purchase message holds one product, so what a client "
        "buys together shows across the day): baskets, revenue, average basket value, average "
        "units and average distinct products per basket.",
        deps=_MART_DEPS,
    ),
    dg.AssetSpec(
        "customer_type_revenue_daily",
        description="Per day and customer type: 'new' clients (the day is their first "
        "purchase day ever) and 'returning' ones (they bought on an earlier day), with "
        "clients, orders, units and revenue.",
        deps=_MART_DEPS,
    ),
    dg.AssetSpec(
        "repeat_purchase_daily",
        description="One row per day with sales, cumulative up to and including the day: "
        "customers (clients who ever bought), repeat customers (bought on two or more "
        "distinct days) and the repeat-purchase rate (repeat / customers, 0-1).",
        deps=_MART_DEPS,
    ),
    dg.AssetSpec(
        "cohort_retention",
        description="Monthly cohort retention as of each day with sales (the day's partition "
        "is the snapshot of that day, purchases up to its end): per cohort (the month of the "
        "clients' first purchase; the day's month and the twelve before) and months since it "
        "(0 = the cohort month), the cohort's clients, those who bought in that month, and "
        "retention = active / cohort clients (0-1). A month with no buyer of the cohort has "
        "no row. The newest partition is today's table; older ones show how it stood.",
        deps=_MART_DEPS,
    ),
)
assert [spec.key.to_user_string() for spec in MART_SPECS] == list(MARTS) == list(FIGURES)


@dg.multi_asset(
    name="daily_marts",
    specs=[
        spec.replace_attributes(group_name="marts", owners=ANALYTICS_OWNERS, kinds={"clickhouse"})
        for spec in MART_SPECS
    ],
    check_specs=[
        dg.AssetCheckSpec(
            RECONCILE_CHECK,
            asset="sales_daily",
            description="Each day's revenue and units in the marts equal the stage layer's, to "
            "the cent; the category mart adds up to the same totals.",
        ),
        *(check.spec for check in STAGE_CHECKS),
    ],
    partitions_def=DAILY,
    backfill_policy=SINGLE_RUN,
    pool=CLICKHOUSE_POOL,
)
def daily_marts(
    context: dg.AssetExecutionContext,
    clickhouse: ClickHouseResource,
    postgres: PostgresResource,
    lake: LakeResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Rebuilds the marts of the run's days: one INSERT ... SELECT per mart for the whole
    range, then the range's day partitions are replaced at once."""
    days = partition_days(context)
    sellers = read_sellers(postgres)
    with clickhouse.session() as client:
        _replace_seller_names(client, days[-1], sellers)
        for mart in MARTS:
            started = time.perf_counter()
            replace_days(client, mart, days, mart_insert(mart, incoming_table(mart)))
            context.log.info(f"{mart}: {len(days)} days in {time.perf_counter() - started:.2f} s")
        counts = {mart: _count(client, mart, days) for mart in MARTS}
        figures = {mart: day_figures(client, mart, days) for mart in MARTS}
        totals = _mart_totals(client, days)
        compared = mart_frames(client, days)
        preview = client.query_df(
            "SELECT day, orders, units, round(revenue, 2) AS revenue, clients, "
            "round(avg_order_value, 2) AS avg_order_value FROM sales_daily "
            "WHERE day BETWEEN %(first)s AND %(last)s ORDER BY day",
            parameters={"first": days[0], "last": days[-1]},
        )
    for mart in MARTS:
        for day, day_values in figures[mart].items():
            context.add_asset_metadata(as_metadata(day_values), asset_key=mart, partition_key=day)
        metadata: dict[str, Any] = {"dagster/row_count": counts[mart]}
        if mart == "sales_daily":
            metadata["preview"] = dg.MetadataValue.md(markdown_table(preview))
        yield dg.MaterializeResult(asset_key=mart, metadata=metadata)
    yield _reconcile(lake, days, totals)
    yield from run_stage_checks(lake, days, compared)


def _replace_seller_names(client: Client, day: str, sellers: pa.Table) -> None:
    drop_days(client, "seller_names", [day])
    if sellers.num_rows:
        as_of = pa.array([date.fromisoformat(day)] * sellers.num_rows, pa.date32())
        client.insert_arrow("seller_names", sellers.add_column(0, "as_of", as_of))


def _count(client: Client, mart: str, days: list[str]) -> int:
    return int(
        client.query(
            f"SELECT count() FROM {mart} WHERE day BETWEEN %(first)s AND %(last)s",
            parameters={"first": days[0], "last": days[-1]},
        ).result_rows[0][0]
    )


def _mart_totals(client: Client, days: list[str]) -> dict[str, dict[str, tuple[float, int]]]:
    """Revenue and units per day according to sales_daily and to category_revenue_daily."""
    totals: dict[str, dict[str, tuple[float, int]]] = {}
    for mart in ("sales_daily", "category_revenue_daily"):
        rows = client.query(
            f"SELECT toString(day), sum(revenue), sum(units) FROM {mart} "
            "WHERE day BETWEEN %(first)s AND %(last)s GROUP BY day",
            parameters={"first": days[0], "last": days[-1]},
        ).result_rows
        totals[mart] = {day: (float(revenue), int(units)) for day, revenue, units in rows}
    return totals


def stage_totals(lake: LakeResource, days: list[str]) -> dict[str, tuple[float, int]]:
    """Revenue and units per day of the stage layer."""
    if not lake.exists(STAGE_TABLE):
        return {}
    rows = (
        lake.table(STAGE_TABLE)
        .to_pyarrow_dataset()
        .to_table(
            columns=["day", "purchase"],
            filter=(ds.field("day") >= days[0]) & (ds.field("day") <= days[-1]),
        )
    )
    quantity = pc.struct_field(rows["purchase"], "quantity")
    amount = pc.multiply(quantity.cast(pa.float64()), pc.struct_field(rows["purchase"], "price"))
    sums = (
        pa.table({"day": rows["day"], "amount": amount, "quantity": quantity})
        .group_by("day")
        .aggregate([("amount", "sum"), ("quantity", "sum")])
    )
    return {
        day: (float(revenue), int(units))
        for day, revenue, units in zip(
            sums["day"].to_pylist(),
            sums["amount_sum"].to_pylist(),
            sums["quantity_sum"].to_pylist(),
            strict=True,
        )
    }


def _reconcile(
    lake: LakeResource, days: list[str], marts: dict[str, dict[str, tuple[float, int]]]
) -> dg.AssetCheckResult:
    stage = stage_totals(lake, days)
    mismatches = []
    for day in days:
        expected = stage.get(day, (0.0, 0))
        for mart, per_day in marts.items():
            got = per_day.get(day, (0.0, 0))
            if abs(got[0] - expected[0]) >= 0.005 or got[1] != expected[1]:
                mismatches.append(f"{day} {mart}: {got} != stage {expected}")
    return dg.AssetCheckResult(
        check_name=RECONCILE_CHECK,
        asset_key="sales_daily",
        passed=not mismatches,
        metadata={
            "days": len(days),
            "stage_revenue": round(sum(r for r, _ in stage.values()), 2),
            "stage_units": sum(u for _, u in stage.values()),
            "mismatches": dg.MetadataValue.md("\n".join(f"- {m}" for m in mismatches) or "none"),
        },
    )
