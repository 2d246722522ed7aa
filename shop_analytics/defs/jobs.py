"""Jobs: sensor-triggered ingestion of Kafka offset ranges, and the daily batch."""

from __future__ import annotations

import dagster as dg

from shop_analytics.defs.common import DAILY

ingest_purchases_job = dg.define_asset_job(
    "ingest_purchases",
    selection=dg.AssetSelection.assets("raw_purchases", "purchases"),
    description="Ingest Kafka offset ranges of the purchases topic (the run config names them).",
)

daily_batch_job = dg.define_asset_job(
    "daily_batch",
    selection=dg.AssetSelection.groups("stage", "batch", "marts", "report"),
    partitions_def=DAILY,
    description="Stage, Spark batch, ClickHouse marts and report for a day (or a range of days "
    "in one run).",
)
