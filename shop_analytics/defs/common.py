"""What every asset of the code location shares: the day partitions, owners and day windows."""

from __future__ import annotations

import warnings

import dagster as dg
import pandas as pd

from shop_analytics.contracts.purchase_time_bounds import purchase_time_bounds

# Purchases are bucketed by their UTC calendar day everywhere (stage, marts, report), the same
# instant-to-day rule ClickHouse's toDate(timestamp) applies to the fact table's UTC column.
DAILY = dg.DailyPartitionsDefinition(start_date=purchase_time_bounds().earliest, timezone="UTC")

# Single-run backfills: a range of days is one run, so Spark starts once for the whole range.
SINGLE_RUN = dg.BackfillPolicy.single_run()
# `backfill_policy` is marked beta on plain assets in Dagster 1.13; the choice is deliberate, so
# its warning would only repeat itself on every load of the code location.
warnings.filterwarnings("ignore", message=".*backfill_policy.*", category=dg.BetaWarning)

# The run tags Dagster's UI and backfills put on a run of one day or of a range of days. Dagster
# 1.13 exports no public name for them; a unit test holds these equal to Dagster's own.
PARTITION_TAG = "dagster/partition"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

DATA_OWNERS = ["team:data-platform"]
ANALYTICS_OWNERS = ["team:analytics"]

# Everything that opens a ClickHouse session runs in this pool; dagster.yaml limits it to one
# op at a time, which is what embedded chDB (one process per data directory) needs.
CLICKHOUSE_POOL = "clickhouse"


def partition_days(context: dg.AssetExecutionContext) -> list[str]:
    """The days (``YYYY-MM-DD``) a run covers: one, or a backfilled range."""
    return list(context.partition_keys)


def run_last_day(context: dg.AssetExecutionContext) -> str | None:
    """The last day of the run's partition range, for an unpartitioned "as of" asset in a
    daily run (``None`` in a run without partitions)."""
    tags = context.run.tags
    return tags.get(RANGE_END_TAG) or tags.get(PARTITION_TAG)


def range_tags(first: str, last: str) -> dict[str, str]:
    """The tags of a run over the days ``first``..``last``."""
    return {RANGE_START_TAG: first, RANGE_END_TAG: last}


def markdown_table(frame: pd.DataFrame) -> str:
    """A small frame as a Markdown table (the UI renders it in the asset's metadata)."""
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "---|" * len(frame.columns)
    rows = ["| " + " | ".join(map(str, row)) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *rows])
