"""The daily Spark batch: stage records -> client and product updates in every target store.

Its four assets are state "as of" a day, not rows of each day: one run of a range of days
computes them once, as of the range's last day, so they are unpartitioned and carry that day as
``as_of`` in their metadata. Partitioned, a 546-day backfill would show 546 materialised
partitions of `client_rfm` while ClickHouse holds one snapshot; computing a snapshot for every
day instead would cost days x clients rows (about 45 M for three years of 50 000 clients, ranked
three times per day) for numbers nobody reads for past days. Every daily run still adds its own
day's snapshot to `client_rfm` and `product_metrics`, so the scheduled history is complete.
"""

import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import dagster as dg
import pyarrow as pa
import pyarrow.compute as pc

from shop_analytics.defs.batch import metrics as batch_metrics
from shop_analytics.defs.batch.writes import (
    merge_product_stock,
    write_client_metrics_postgres,
    write_snapshot,
)
from shop_analytics.defs.common import DATA_OWNERS, run_last_day
from shop_analytics.resources import (
    ClickHouseResource,
    LakeResource,
    PostgresResource,
    SparkResource,
)
from shop_analytics.resources.spark import s3a_uri
from shop_analytics.tables.lake import PRODUCTS_TABLE, STAGE_TABLE

STOCK_CHECK = "sales_before_product_update"

BATCH_SPECS = (  # a tuple: the defs loader would take a list of specs for assets of their own
    dg.AssetSpec(
        "client_metrics",
        group_name="batch",
        owners=DATA_OWNERS,
        kinds={"spark", "postgres"},
        deps=["purchase_records"],
        description="Per client, as of the day: orders, units, revenue, first and last "
        "purchase, days since the last one, RFM scores and segment, and lifetime value (revenue "
        "per day of tenure projected over a year). PostgreSQL table `client_metrics`, one row "
        "per client, always the newest day computed (`as_of` in the metadata).",
    ),
    dg.AssetSpec(
        "client_rfm",
        group_name="marts",
        owners=DATA_OWNERS,
        kinds={"spark", "clickhouse"},
        deps=["purchase_records"],
        description="The client metrics in ClickHouse, one snapshot per run, as of the run's "
        "last day (`as_of`, in the table and the metadata): the RFM / lifetime-value mart. "
        "Segments: champions, loyal, new, at_risk, lost, "
        "needs_attention.",
    ),
    dg.AssetSpec(
        "product_stock",
        group_name="batch",
        owners=DATA_OWNERS,
        kinds={"spark", "delta", "s3"},
        deps=["purchase_records", "products"],
        description="Stock left per product after the sales up to the run's last day, MERGEd "
        "into the Delta `products` table (available_stock and updated_at of products with new "
        "sales). Sales older than a product's `updated_at` are not subtracted: they are counted "
        "in the metadata and by the check `sales_before_product_update`.",
    ),
    dg.AssetSpec(
        "product_metrics",
        group_name="batch",
        owners=DATA_OWNERS,
        kinds={"spark", "clickhouse"},
        deps=["purchase_records", "products"],
        description="Per catalogued product, as of the run's last day: units sold and revenue "
        "to date, stock left, name, category and seller. ClickHouse, one snapshot per run "
        "(`as_of`); the marts take product names and categories from here.",
    ),
)


# No `clickhouse` pool on this step: pools hold a step for its whole duration, and Spark runs for
# tens of seconds to minutes, during which the sensor's ingestion runs would queue behind it. Its
# only ClickHouse work is two snapshot writes of a few thousand rows (well under a second) at the
# end, each inside `ClickHouseResource.session()`, whose cross-process lock is what serialises
# embedded chDB anyway; a separate ClickHouse step would need the computed tables handed over
# through storage for no gain.
@dg.multi_asset(
    name="spark_daily_batch",
    specs=BATCH_SPECS,
    check_specs=[
        dg.AssetCheckSpec(
            STOCK_CHECK,
            asset="product_stock",
            description="No staged sale is older than its product's `updated_at` (the stock "
            "count): such sales are not subtracted from the stock, by the stock rule, so their "
            "units are counted here instead of being left out in silence.",
        )
    ],
)
def spark_daily_batch(
    context: dg.AssetExecutionContext,
    spark: SparkResource,
    lake: LakeResource,
    postgres: PostgresResource,
    clickhouse: ClickHouseResource,
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """Reads the stage layer with Spark and writes client and product updates as of the last
    day of the run (a backfill of many days is one Spark job); run on its own, as of the newest
    staged day."""
    clock = _Stopwatch()
    session = spark.spark_session
    clock.lap("spark_session_s")
    stage = session.read.format("delta").load(s3a_uri(lake.table_uri(STAGE_TABLE)))
    last_day = run_last_day(context) or stage.agg({"day": "max"}).collect()[0][0]
    as_of = date.fromisoformat(last_day)
    products = session.read.format("delta").load(s3a_uri(lake.table_uri(PRODUCTS_TABLE)))
    clock.lap("delta_log_s")
    lines = batch_metrics.stage_lines(stage, as_of).cache()
    try:
        # The scan alone (S3A reads, Parquet decoding, the JVM's first compilations) before the
        # shuffles of the metrics, so that the metadata tells the two apart.
        staged = lines.count()
        clock.lap("stage_scan_s")
        clients = batch_metrics.client_metrics(lines, as_of).toArrow()
        clock.lap("client_metrics_s")
        later_sales = batch_metrics.later_sale_times(stage, as_of)
        product_rows = batch_metrics.product_metrics(lines, products, as_of, later_sales).toArrow()
        clock.lap("product_metrics_s")
    finally:
        lines.unpersist()

    write_client_metrics_postgres(postgres, clients)
    stock = merge_product_stock(lake, product_rows)
    day = as_of.isoformat()
    write_snapshot(clickhouse, "client_rfm", day, _client_rfm_rows(clients))
    write_snapshot(clickhouse, "product_metrics", day, _product_metric_rows(product_rows))
    clock.lap("write_s")

    segments = _count_by(clients, "rfm_segment")
    common: dict[str, Any] = {"as_of": day, "staged_purchases": staged, **clock.laps}
    oversold = _total(product_rows, "oversold_units")
    before_update = {
        "purchases_before_update": _total(product_rows, "purchases_before_update"),
        "units_before_update": _total(product_rows, "units_before_update"),
        "products_with_sales_before_update": int(
            pc.sum(pc.greater(product_rows["units_before_update"], 0)).as_py() or 0
        ),
    }
    if before_update["units_before_update"]:
        context.log.warning(
            f"{before_update['units_before_update']} units of "
            f"{before_update['purchases_before_update']} purchases are older than their "
            f"product's updated_at and were not subtracted from its stock"
        )
    context.log.info(
        f"batch as of {day}: {clients.num_rows} clients, {product_rows.num_rows} products"
    )
    yield dg.MaterializeResult(
        asset_key="client_metrics",
        metadata={**common, "dagster/row_count": clients.num_rows, "segments": segments},
    )
    yield dg.MaterializeResult(
        asset_key="client_rfm",
        metadata={**common, "dagster/row_count": clients.num_rows, "segments": segments},
    )
    yield dg.MaterializeResult(
        asset_key="product_stock",
        metadata={
            **common,
            "products_updated": stock["num_target_rows_updated"],
            "oversold_units": oversold,
            **before_update,
            "delta_version": lake.version(PRODUCTS_TABLE),
        },
    )
    yield dg.AssetCheckResult(
        check_name=STOCK_CHECK,
        asset_key="product_stock",
        passed=before_update["units_before_update"] == 0,
        # The stock rule is deliberate (the stock was counted at updated_at), so this is worth
        # a look, not a failed run.
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"as_of": day, **before_update},
    )
    yield dg.MaterializeResult(
        asset_key="product_metrics",
        metadata={**common, "dagster/row_count": product_rows.num_rows},
    )


class _Stopwatch:
    """Seconds per phase of the step, rounded for the metadata."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 2)
        self._last = now


def _client_rfm_rows(clients: pa.Table) -> pa.Table:
    return clients.select(
        ["as_of", "client_id", "order_count", "units", "revenue", "first_purchase_at",
         "last_purchase_at", "recency_days", "r_score", "f_score", "m_score", "rfm_segment",
         "lifetime_value"]
    )  # fmt: skip


def _product_metric_rows(products: pa.Table) -> pa.Table:
    return products.select(
        ["as_of", "product_id", "name", "category", "seller_id", "list_price", "units_sold",
         "revenue", "available_stock"]
    )  # fmt: skip


def _total(table: pa.Table, column: str) -> int:
    return int(pc.sum(table[column]).as_py() or 0)


def _count_by(table: pa.Table, column: str) -> dict[str, int]:
    counts = table.group_by(column).aggregate([(column, "count")])
    return dict(zip(counts[column].to_pylist(), counts[f"{column}_count"].to_pylist(), strict=True))
