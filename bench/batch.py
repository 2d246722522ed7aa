"""The daily batch for one day of 1 M purchases: stage, Spark batch, marts, report; seconds each.

    .venv/bin/python bench/batch.py [--purchases 1000000] [--day 2025-01-15] [--no-cluster]

The Spark step's time is split into its phases (session start, Delta log reads, the stage scan
through S3A, the client and product computations, the writes) and measured three ways in one
run: on `local[2]` in a fresh JVM, again in the same JVM (warm: what the first run spent on
start-up and JIT compilation shows as the difference), and on a two-worker standalone cluster
(SPARK_CLUSTER_SIZE=2, started on this stack's ports if needed and left running like the stack,
until `shop-analytics down`; `--no-cluster` skips it).

Runs on the stack of SHOP_ANALYTICS_HOME / SHOP_ANALYTICS_PORT_BASE (started if needed). The
purchases are written straight into the raw Delta table and the ClickHouse fact (what the
ingestor would have written; Kafka is measured by the streaming bench), replacing that day's
rows, so the bench can run again. The baseline is pandas computing the day's sales per category
from the same purchases in memory: the least any batch has to do.
"""

from __future__ import annotations

import argparse
import time
from datetime import date
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)
from deltalake import DeltaTable, write_deltalake
from pyspark.sql import SparkSession

from shop_analytics import settings as settings_module
from shop_analytics.cli.demo import plain_resources
from shop_analytics.definitions import ASSETS_AND_CHECKS
from shop_analytics.defs.marts.queries import MARTS
from shop_analytics.local import stack
from shop_analytics.local.spark_cluster import SparkClusterService
from shop_analytics.resources import build_resources
from shop_analytics.seed import DemoSpec, generate_demo_data
from shop_analytics.seed.load import merge_products, upsert_rows
from shop_analytics.streaming.lake_sink import RAW_PURCHASES_TABLE

SPARK_STEP = "Spark batch (client + product metrics)"
SPARK_ASSETS = ["client_metrics", "client_rfm", "product_stock", "product_metrics"]
# The phases the Spark step records in its metadata, in order.
SPARK_PHASES = (
    "spark_session_s",
    "delta_log_s",
    "stage_scan_s",
    "client_metrics_s",
    "product_metrics_s",
    "write_s",
)
STEPS = {
    "stage (delta-rs + PostgreSQL join)": ["purchase_records"],
    SPARK_STEP: SPARK_ASSETS,
    "ClickHouse marts": list(MARTS),  # one multi-asset: all its marts or none
    "report (plotly HTML)": ["sales_report"],
}  # fmt: skip


def land_purchases(resources: dict[str, Any], purchases: pd.DataFrame, day: str) -> None:
    """The day's purchases in the raw Delta table and the ClickHouse fact, replacing old ones."""
    lake = resources["lake"]
    table = pa.Table.from_pandas(purchases, preserve_index=False)
    stamps = table["timestamp"].cast(pa.timestamp("us", tz="UTC"))
    table = table.set_column(table.schema.get_field_index("timestamp"), "timestamp", stamps)
    table = table.append_column("_partition", pa.repeat(pa.scalar(0, pa.int32()), len(table)))
    table = table.append_column("_offset", pa.array(range(len(table)), pa.int64()))
    now = pa.scalar(time.time_ns() // 1000, pa.timestamp("us", tz="UTC"))
    lake_rows = table.append_column("_ingested_at", pa.repeat(now, len(table))).append_column(
        "date", pc.cast(stamps, pa.date32())
    )
    uri, options = lake.table_uri(RAW_PURCHASES_TABLE), lake.storage_options()
    if lake.exists(RAW_PURCHASES_TABLE):
        DeltaTable(uri, storage_options=options).delete(f"date = '{day}'")
    write_deltalake(uri, lake_rows, mode="append", partition_by=["date"], storage_options=options)
    fact = table.set_column(
        table.schema.get_field_index("timestamp"), "timestamp",
        stamps.cast(pa.timestamp("ms", tz="UTC")),
    )  # fmt: skip
    with resources["clickhouse"].session() as client:
        client.command(
            "ALTER TABLE purchases DELETE WHERE toDate(timestamp) = %(day)s "
            "SETTINGS mutations_sync = 2",
            parameters={"day": day},
        )
        client.insert_arrow("purchases", fact)


def pandas_baseline(purchases: pd.DataFrame, products: pd.DataFrame) -> float:
    started = time.perf_counter()
    lines = purchases.merge(products[["product_id", "category"]], on="product_id", how="left")
    lines["amount"] = lines["quantity"] * lines["price"]
    lines.groupby("category")["amount"].sum()
    lines.groupby("client_id").agg(n=("purchase_id", "count"), revenue=("amount", "sum"))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--purchases", type=int, default=1_000_000)
    parser.add_argument("--day", default="2025-01-15")
    parser.add_argument("--no-cluster", action="store_true", help="skip the standalone cluster")
    args = parser.parse_args()
    settings = settings_module.export_defaults()
    stack.up(settings)
    resources = plain_resources(settings)
    spec = DemoSpec(
        clients=50_000, sellers=100, products=2_000, purchases=args.purchases, days=1,
        end_day=date.fromisoformat(args.day), seed=2025,
    )  # fmt: skip

    started = time.perf_counter()
    data = generate_demo_data(spec)
    upsert_rows(resources["postgres"], "sellers", data.sellers, "seller_id")
    upsert_rows(resources["postgres"], "clients", data.clients, "client_id")
    merge_products(resources["lake"], data.products)
    land_purchases(resources, data.purchases, args.day)
    print(f"setup (generate, sources, land {args.purchases:,} purchases): "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    baseline = pandas_baseline(data.purchases, data.products)
    total = 0.0
    for step, selection in STEPS.items():
        seconds, split = run_step(resources, selection, args.day)
        total += seconds
        print(f"{step:<42} {seconds:7.1f} s")
        if step == SPARK_STEP:
            print_split("local[2], fresh JVM", split)
    print(f"{'daily batch total':<42} {total:7.1f} s  ({args.purchases / total:,.0f} purchases/s)")
    print(f"{'baseline: pandas aggregates in memory':<42} {baseline:7.1f} s  "
          f"(batch = {total / baseline:.0f}x baseline)")  # fmt: skip

    seconds, split = run_step(resources, SPARK_ASSETS, args.day)
    print(f"{'Spark step again, same JVM (warm)':<42} {seconds:7.1f} s")
    print_split("local[2], warm JVM", split)
    if not args.no_cluster:
        SparkSession.builder.getOrCreate().stop()  # one SparkContext per process
        seconds, split = run_step(on_cluster(settings, resources), SPARK_ASSETS, args.day)
        print(f"{'Spark step on 2 standalone workers':<42} {seconds:7.1f} s  "
              f"({seconds / baseline:.0f}x baseline)")  # fmt: skip
        print_split("spark://, 2 workers x 1 core", split)


def run_step(resources: dict[str, Any], selection: list[str], day: str) -> tuple[float, dict]:
    """Seconds of one step, and the Spark phases it recorded (empty for other steps)."""
    started = time.perf_counter()
    result = dg.materialize(
        ASSETS_AND_CHECKS, selection=selection, resources=resources,
        # A one-day range: the partitioned steps take the day, the "as of" ones their day.
        tags={ASSET_PARTITION_RANGE_START_TAG: day, ASSET_PARTITION_RANGE_END_TAG: day},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    assert result.success, selection
    spark = next(
        (
            event.materialization.metadata
            for event in result.get_asset_materialization_events()
            if event.asset_key == dg.AssetKey("client_metrics")
        ),
        {},
    )
    return seconds, {phase: spark[phase].value for phase in SPARK_PHASES if phase in spark}


def print_split(label: str, split: dict[str, float]) -> None:
    phases = ", ".join(f"{name.removesuffix('_s')} {value:.1f}" for name, value in split.items())
    print(f"  split ({label}): {phases} s")


def on_cluster(settings: settings_module.Settings, resources: dict[str, Any]) -> dict[str, Any]:
    """The resources with Spark on a two-worker standalone cluster of this stack's ports."""
    cluster = SparkClusterService(
        settings_module.load({**settings.as_environment(), "SPARK_CLUSTER_SIZE": "2"})
    )
    if not cluster.status().running:
        cluster.start()
    environment = {**settings.as_environment(), "SPARK_MASTER": cluster.master_url}
    return {**resources, "spark": build_resources(environment.__getitem__)["spark"]}


if __name__ == "__main__":
    main()
