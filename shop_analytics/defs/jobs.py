"""Jobs: every run the sensor, the schedule and the CLI launch is one of these, by name.

Named jobs (not `materialize` calls, which record `__ephemeral_asset_job__`) let the UI filter
runs by job and re-execute any of them.
"""

from __future__ import annotations

import dagster as dg

from shop_analytics.defs.common import DAILY

ingest_purchases_job = dg.define_asset_job(
    "ingest_purchases",
    selection=dg.AssetSelection.assets("raw_purchases", "purchases"),  # with the fact's checks
    # One process for the ingesting step and the fact's checks: a step subprocess loads the code
    # location again (seconds each), far more than the checks' queries take. Live latency of the
    # sensor's runs is mostly start-up.
    executor_def=dg.in_process_executor,
    description="Ingest Kafka offset ranges of the purchases topic (the run config names them; "
    "without ranges: everything the lake does not hold yet), then check the fact.",
)

record_sources_job = dg.define_asset_job(
    "record_sources",
    selection=dg.AssetSelection.assets("clients", "sellers", "products"),
    executor_def=dg.in_process_executor,
    description="Make sure the source tables exist and record what they hold now (row counts, "
    "the products' Delta version).",
)

daily_batch_job = dg.define_asset_job(
    "daily_batch",
    selection=dg.AssetSelection.groups("stage", "batch", "marts", "report"),
    partitions_def=DAILY,
    description="Stage, Spark batch, ClickHouse marts and report for a day (or a range of days "
    "in one run).",
)
