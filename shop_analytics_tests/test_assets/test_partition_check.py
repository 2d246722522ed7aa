"""The fact check that finds purchases no day partition takes further (embedded chDB)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shop_analytics.contracts.clickhouse_ddl import clickhouse_purchases_ddl
from shop_analytics.defs.ingest.checks import purchases_within_day_partitions
from shop_analytics.resources.clickhouse import ClickHouseResource

COLUMNS = ["purchase_id", "client_id", "product_id", "quantity", "price", "timestamp"]


def _rows(*moments: datetime) -> list[list[object]]:
    return [[uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), 1, 9.99, moment] for moment in moments]


def test_rows_outside_the_partitions_are_counted(tmp_path: Path) -> None:
    clickhouse = ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}")
    now = datetime.now(UTC)
    with clickhouse.session() as client:
        client.command(clickhouse_purchases_ddl().rstrip().rstrip(";"))
        inside = _rows(datetime(1990, 1, 1, tzinfo=UTC), datetime(1997, 3, 1, tzinfo=UTC), now)
        client.insert("purchases", inside, column_names=COLUMNS)

    clean = purchases_within_day_partitions(clickhouse=clickhouse)
    assert clean.passed
    assert clean.metadata["rows_before_first_partition"].value == 0

    # Rows that came in before the bounds did (or under another history start).
    outside = _rows(
        datetime(1989, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1900, 1, 1, tzinfo=UTC),
        now + timedelta(days=30),
    )
    with clickhouse.session() as client:
        client.insert("purchases", outside, column_names=COLUMNS)
    found = purchases_within_day_partitions(clickhouse=clickhouse)

    assert not found.passed
    assert found.metadata["rows_before_first_partition"].value == 2
    assert found.metadata["rows_after_latest_accepted"].value == 1
    assert found.metadata["first_partition"].value == "1990-01-01"
    assert found.metadata["earliest_timestamp"].value.startswith("1900-01-01")
