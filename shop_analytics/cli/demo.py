"""The whole pipeline on the embedded stack: seed, stream, ingest, stage, batch, marts, report.

The runs go to the Dagster instance in DAGSTER_HOME (the one `shop-analytics ui` opens) as runs
of the code location's named jobs (`record_sources`, `ingest_purchases`, `daily_batch`), so the
UI shows them afterwards with their metadata and checks, filters them by job and re-executes
them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dagster as dg

from shop_analytics.definitions import defs
from shop_analytics.defs.common import range_tags
from shop_analytics.defs.ingest.assets import ingest_run_config
from shop_analytics.defs.jobs import daily_batch_job, ingest_purchases_job, record_sources_job
from shop_analytics.local.dagster_home import prepare_dagster_home
from shop_analytics.resources import build_resources
from shop_analytics.seed import DemoSpec
from shop_analytics.seed.seeding import seed
from shop_analytics.settings import Settings
from shop_analytics.streaming.offset_ranges import OffsetRange

Echo = Callable[[str], None]


def plain_resources(settings: Settings) -> dict[str, Any]:
    """The code location's resources with the environment's values filled in."""
    return build_resources(settings.as_environment().__getitem__)


# Step events at INFO and up: the demo prints what each step did, not Dagster's DEBUG event
# stream (the full log is in the Dagster UI).
CONSOLE_LOGS = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def materialize_days(
    resources: dict[str, Any], first: str, last: str, instance: dg.DagsterInstance | None = None
) -> dg.ExecuteInProcessResult:
    """Stage, batch, marts and report for the days ``first``..``last`` in one run."""
    return run_job(
        daily_batch_job.name, resources, instance, CONSOLE_LOGS,
        tags=range_tags(first, last),
    )  # fmt: skip


def ingest_ranges(
    resources: dict[str, Any],
    ranges: list[OffsetRange],
    instance: dg.DagsterInstance | None = None,
) -> dg.ExecuteInProcessResult:
    """Sources recorded, then the offset ranges ingested (and the fact checked): two runs."""
    run_job(record_sources_job.name, resources, instance, CONSOLE_LOGS)
    return run_job(
        ingest_purchases_job.name,
        resources,
        instance,
        {**ingest_run_config(ranges), **CONSOLE_LOGS},
    )


def run_job(
    name: str,
    resources: dict[str, Any],
    instance: dg.DagsterInstance | None,
    run_config: dict[str, Any],
    tags: dict[str, str] | None = None,
) -> dg.ExecuteInProcessResult:
    """A run of the code location's job ``name``, in this process, with these resources."""
    job = defs.resolve_job_def(name)
    return job.execute_in_process(
        run_config=run_config, instance=instance, resources=resources, tags=tags
    )


def run_pipeline(settings: Settings, spec: DemoSpec, echo: Echo = print, rate: float = 0.0) -> Path:
    resources = plain_resources(settings)
    os.environ.setdefault("DAGSTER_HOME", str(prepare_dagster_home(settings)))
    instance = dg.DagsterInstance.get()

    started = time.perf_counter()
    seeded = seed(resources, spec, rate=rate, echo=echo)
    _step(echo, "seed + stream to Kafka", started)

    started = time.perf_counter()
    ingest_ranges(resources, seeded.ranges, instance)
    _step(echo, f"ingest {len(seeded.ranges)} offset ranges into ClickHouse and the lake", started)

    started = time.perf_counter()
    days = spec.day_keys
    materialize_days(resources, days[0], days[-1], instance)
    _step(echo, f"stage, Spark batch, marts and report for {days[0]}..{days[-1]}", started)
    return resources["reports"].folder / f"sales-report-{days[-1]}.html"


def _step(echo: Echo, what: str, started: float) -> None:
    echo(f"[done] {what} in {time.perf_counter() - started:.1f} s")
