"""The daily Spark batch: stage records -> client and product updates in every target store."""

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
from shop_analytics.defs.common import (
    CLICKHOUSE_POOL,
    DAILY,
    DATA_OWNERS,
    SINGLE_RUN,
    partition_days,
)
from shop_analytics.resources import (
    ClickHouseResource,
    LakeResource,
    PostgresResource,
    SparkResource,
)
from shop_analytics.resources.spark import s3a_uri
from shop_analytics.tables.lake import PRODUCTS_TABLE, STAGE_TABLE

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
        "per client, always the newest day computed.",
    ),
    dg.AssetSpec(
        "client_rfm",
        group_name="marts",
        owners=DATA_OWNERS,
        kinds={"spark", "clickhouse"},
        deps=["purchase_records"],
        description="The client metrics in ClickHouse, one snapshot per day (`as_of`): the "
        "RFM / lifetime-value mart. Segments: champions, loyal, new, at_risk, lost, "
        "needs_attention.",
    ),
    dg.AssetSpec(
        "product_stock",
        group_name="batch",
        owners=DATA_OWNERS,
        kinds={"spark", "delta", "s3"},
        deps=["purchase_records", "products"],
        description="Stock left per product after the day's sales, MERGEd into the Delta "
        "`products` table (available_stock and updated_at of products with new sales).",
    ),
    dg.AssetSpec(
        "product_metrics",
        group_name="batch",
        owners=DATA_OWNERS,
        kinds={"spark", "clickhouse"},
        deps=["purchase_records", "products"],
        description="Per catalogued product, as of the day: units sold and revenue to date, "
        "stock left, name, category and seller. ClickHouse, one snapshot per day; the marts "
        "take product names and categories from here.",
    ),
)


@dg.multi_asset(
    name="spark_daily_batch",
    specs=BATCH_SPECS,
    partitions_def=DAILY,
    backfill_policy=SINGLE_RUN,
    pool=CLICKHOUSE_POOL,
)
def spark_daily_batch(
    context: dg.AssetExecutionContext,
    spark: SparkResource,
    lake: LakeResource,
    postgres: PostgresResource,
    clickhouse: ClickHouseResource,
) -> Iterator[dg.MaterializeResult]:
    """Reads the stage layer with Spark and writes client and product updates as of the last
    day of the run (a backfill of many days is one Spark job)."""
    as_of = date.fromisoformat(partition_days(context)[-1])
    timings: dict[str, float] = {}
    started = time.perf_counter()
    session = spark.spark_session
    timings["spark_session_s"] = time.perf_counter() - started
    stage = session.read.format("delta").load(s3a_uri(lake.table_uri(STAGE_TABLE)))
    products = session.read.format("delta").load(s3a_uri(lake.table_uri(PRODUCTS_TABLE)))
    lines = batch_metrics.stage_lines(stage, as_of).cache()
    try:
        started = time.perf_counter()
        clients = batch_metrics.client_metrics(lines, as_of).toArrow()
        product_rows = batch_metrics.product_metrics(lines, products, as_of).toArrow()
        timings["spark_compute_s"] = time.perf_counter() - started
    finally:
        lines.unpersist()

    started = time.perf_counter()
    write_client_metrics_postgres(postgres, clients)
    stock = merge_product_stock(lake, product_rows)
    day = as_of.isoformat()
    write_snapshot(clickhouse, "client_rfm", day, _client_rfm_rows(clients))
    write_snapshot(clickhouse, "product_metrics", day, _product_metric_rows(product_rows))
    timings["write_s"] = time.perf_counter() - started

    segments = _count_by(clients, "rfm_segment")
    common: dict[str, Any] = {"as_of": day, **{k: round(v, 2) for k, v in timings.items()}}
    oversold = int(pc.sum(product_rows["oversold_units"]).as_py() or 0)
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
            "delta_version": lake.version(PRODUCTS_TABLE),
        },
    )
    yield dg.MaterializeResult(
        asset_key="product_metrics",
        metadata={**common, "dagster/row_count": product_rows.num_rows},
    )


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


def _count_by(table: pa.Table, column: str) -> dict[str, int]:
    counts = table.group_by(column).aggregate([(column, "count")])
    return dict(zip(counts[column].to_pylist(), counts[f"{column}_count"].to_pylist(), strict=True))
