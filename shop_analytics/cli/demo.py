"""The whole pipeline on the embedded stack: seed, stream, ingest, stage, batch, marts, report.

The runs go to the Dagster instance in DAGSTER_HOME (the one `shop-analytics ui` opens), so the
UI shows them afterwards with their metadata and checks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.storage.tags import (
    ASSET_PARTITION_RANGE_END_TAG,
    ASSET_PARTITION_RANGE_START_TAG,
)

from shop_analytics.definitions import ASSETS_AND_CHECKS
from shop_analytics.defs.ingest.assets import INGEST_OP
from shop_analytics.local.dagster_home import prepare_dagster_home
from shop_analytics.resources import build_resources
from shop_analytics.seed import DemoSpec
from shop_analytics.seed.seeding import seed
from shop_analytics.settings import Settings

Echo = Callable[[str], None]
SOURCES = ["clients", "sellers", "products", "raw_purchases", "purchases"]
DAILY = ["purchase_records", "client_metrics", "client_rfm", "product_stock", "product_metrics",
         "sales_daily", "category_revenue_daily", "top_products_daily",
         "seller_performance_daily", "sales_report"]  # fmt: skip


def plain_resources(settings: Settings) -> dict[str, Any]:
    """The code location's resources with the environment's values filled in."""
    return build_resources(settings.as_environment().__getitem__)


def ingest_config(ranges: list[tuple[str, int, int, int]]) -> dict[str, Any]:
    offsets = [
        {"topic": t, "partition": p, "start_offset": s, "end_offset": e} for t, p, s, e in ranges
    ]
    return {"ops": {INGEST_OP: {"config": {"ranges": offsets}}}}


# Step events at INFO and up: the demo prints what each step did, not Dagster's DEBUG event
# stream (the full log is in the Dagster UI).
CONSOLE_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def materialize_days(
    resources: dict[str, Any], first: str, last: str, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    """Stage, batch, marts and report for the days ``first``..``last`` in one run."""
    return dg.materialize(
        ASSETS_AND_CHECKS,
        selection=DAILY,
        resources=resources,
        instance=instance,
        run_config=CONSOLE_LOGS,
        tags={ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
    )


def run_pipeline(settings: Settings, spec: DemoSpec, echo: Echo = print, rate: float = 0.0) -> Path:
    resources = plain_resources(settings)
    os.environ.setdefault("DAGSTER_HOME", str(prepare_dagster_home(settings)))
    instance = dg.DagsterInstance.get()

    started = time.perf_counter()
    seeded = seed(resources, spec, rate=rate, echo=echo)
    _step(echo, "seed + stream to Kafka", started)

    started = time.perf_counter()
    dg.materialize(
        ASSETS_AND_CHECKS, selection=SOURCES, resources=resources, instance=instance,
        run_config={**ingest_config(seeded.ranges), **CONSOLE_LOGS},
    )  # fmt: skip
    _step(echo, f"ingest {len(seeded.ranges)} offset ranges into ClickHouse and the lake", started)

    started = time.perf_counter()
    days = spec.day_keys
    materialize_days(resources, days[0], days[-1], instance)
    _step(echo, f"stage, Spark batch, marts and report for {days[0]}..{days[-1]}", started)
    return resources["reports"].folder / f"sales-report-{days[-1]}.html"


def _step(echo: Echo, what: str, started: float) -> None:
    echo(f"[done] {what} in {time.perf_counter() - started:.1f} s")
