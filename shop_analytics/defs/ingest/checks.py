"""Checks on the ClickHouse purchases fact: unique ids, valid values, fresh data, in partitions."""

from datetime import UTC, datetime

import dagster as dg

from shop_analytics.contracts.purchase_time_bounds import purchase_time_bounds
from shop_analytics.defs.common import CLICKHOUSE_POOL, DAILY
from shop_analytics.resources import ClickHouseResource

# A purchase normally lands within seconds; an hour without any means the stream is stuck or
# the shop is closed, which is worth a warning, not a failed pipeline.
FRESHNESS_LIMIT_S = 3600


def _scalar(clickhouse: ClickHouseResource, query: str) -> object:
    with clickhouse.session() as client:
        return client.query(query).result_rows[0][0]


@dg.asset_check(asset="purchases", pool=CLICKHOUSE_POOL, blocking=True)
def purchase_ids_are_unique(clickhouse: ClickHouseResource) -> dg.AssetCheckResult:
    """Each purchase_id is one row of the fact as queried (FINAL), whatever was replayed."""
    query = "SELECT count() - uniqExact(purchase_id) FROM purchases FINAL"
    duplicates = int(str(_scalar(clickhouse, query)))
    return dg.AssetCheckResult(passed=duplicates == 0, metadata={"duplicate_rows": duplicates})


@dg.asset_check(asset="purchases", pool=CLICKHOUSE_POOL, blocking=True)
def quantities_positive_and_prices_not_negative(
    clickhouse: ClickHouseResource,
) -> dg.AssetCheckResult:
    """Every purchase has quantity > 0 and price >= 0 (the contract's rules, in the sink)."""
    query = "SELECT countIf(quantity <= 0 OR price < 0) FROM purchases FINAL"
    bad = int(str(_scalar(clickhouse, query)))
    return dg.AssetCheckResult(passed=bad == 0, metadata={"invalid_rows": bad})


@dg.asset_check(asset="purchases", pool=CLICKHOUSE_POOL)
def purchases_fact_is_fresh(clickhouse: ClickHouseResource) -> dg.AssetCheckResult:
    """The newest purchase reached the fact less than an hour ago."""
    latest = _scalar(clickhouse, "SELECT max(_ingested_at) FROM purchases")
    age = None
    if isinstance(latest, datetime) and latest.year > 1970:
        stamp = latest if latest.tzinfo else latest.replace(tzinfo=UTC)
        age = (datetime.now(UTC) - stamp).total_seconds()
    return dg.AssetCheckResult(
        passed=age is not None and age <= FRESHNESS_LIMIT_S,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "last_ingested_at": str(latest),
            "age_s": round(age, 1) if age is not None else -1,
            "limit_s": FRESHNESS_LIMIT_S,
        },
    )


@dg.asset_check(asset="purchases", pool=CLICKHOUSE_POOL)
def purchases_within_day_partitions(clickhouse: ClickHouseResource) -> dg.AssetCheckResult:
    """No purchase lies where no day partition will take it further: before the first partition
    (the history start) or beyond the latest instant the contract accepts (a day after now).

    The edge refuses such purchases; rows found here came in before the bounds did, or with
    another `SHOP_ANALYTICS_HISTORY_START`: load them again after moving the setting, or drop
    them. Today's rows are fine: their partition exists from tomorrow on.
    """
    start = DAILY.start
    start_ms = int(start.timestamp() * 1000)
    latest_ms = purchase_time_bounds().latest_ms()
    query = (
        f"SELECT countIf(toUnixTimestamp64Milli(timestamp) < {start_ms}), "
        f"countIf(toUnixTimestamp64Milli(timestamp) > {latest_ms}), "
        "toString(min(timestamp)), toString(max(timestamp)) FROM purchases FINAL"
    )
    with clickhouse.session() as client:
        before, after, earliest, latest = client.query(query).result_rows[0]
    return dg.AssetCheckResult(
        passed=before + after == 0,
        metadata={
            "rows_before_first_partition": int(before),
            "rows_after_latest_accepted": int(after),
            "first_partition": start.date().isoformat(),
            "earliest_timestamp": str(earliest),
            "latest_timestamp": str(latest),
        },
    )
