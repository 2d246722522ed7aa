"""Checks on the ClickHouse purchases fact: unique ids, valid values, fresh data."""

from datetime import UTC, datetime

import dagster as dg

from shop_analytics.contracts.clickhouse_ddl import clickhouse_purchases_ddl
from shop_analytics.defs.common import CLICKHOUSE_POOL
from shop_analytics.resources import ClickHouseResource

# A purchase normally lands within seconds; an hour without any means the stream is stuck or
# the shop is closed, which is worth a warning, not a failed pipeline.
FRESHNESS_LIMIT_S = 3600


def _scalar(clickhouse: ClickHouseResource, query: str) -> object:
    with clickhouse.session() as client:
        client.command(clickhouse_purchases_ddl(if_not_exists=True).rstrip().rstrip(";"))
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
