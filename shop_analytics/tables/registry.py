"""Every table of the platform, per store, and the one step that creates them: `provision`.

The DDL comes from the contracts (`purchases`, `clients`, `sellers`, the Delta `products`) or from
the table modules beside this one (the ClickHouse snapshots and marts, the PostgreSQL tables of
the batch and the API). Adding a table is one entry there. Components read and write these tables
and never create them: `shop-analytics up` (and `shop-analytics provision`, for external systems)
runs `provision`, which creates what is missing and leaves the rest untouched, so running it
again changes nothing.

The lake's `raw/purchases` and `stage/purchase_records` are not here: their first write gives
them their day partitioning, and readers treat them absent as "nothing ingested yet".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import pyarrow as pa

from shop_analytics.contracts.clickhouse_ddl import (
    CLICKHOUSE_PURCHASES_TABLE,
    clickhouse_purchases_ddl,
)
from shop_analytics.contracts.postgres_ddl import POSTGRES_TABLES as CONTRACT_POSTGRES_TABLES
from shop_analytics.contracts.postgres_ddl import postgres_ddl
from shop_analytics.resources import ClickHouseResource, LakeResource, PostgresResource
from shop_analytics.tables.clickhouse import TABLES as CLICKHOUSE_SNAPSHOTS_AND_MARTS
from shop_analytics.tables.clickhouse import table_ddl
from shop_analytics.tables.lake import PRODUCTS_SCHEMA, PRODUCTS_TABLE
from shop_analytics.tables.postgres import API_IDEMPOTENCY_DDL, CLIENT_METRICS_DDL

CLICKHOUSE_TABLES: Final[dict[str, str]] = {
    CLICKHOUSE_PURCHASES_TABLE: clickhouse_purchases_ddl().rstrip().rstrip(";"),
    **{name: table_ddl(name) for name in CLICKHOUSE_SNAPSHOTS_AND_MARTS},
}
POSTGRES_TABLES: Final[dict[str, str]] = {
    **{name: postgres_ddl(name).rstrip().rstrip(";") for name in CONTRACT_POSTGRES_TABLES},
    "client_metrics": CLIENT_METRICS_DDL,
    "api_idempotency": API_IDEMPOTENCY_DDL,
}
LAKE_TABLES: Final[dict[str, pa.Schema]] = {PRODUCTS_TABLE: PRODUCTS_SCHEMA}

# Serialises provisioning runs started at once (two CREATE TABLEs of one name race on the
# catalogue even when both check first).
_POSTGRES_LOCK_KEY = 0x5A0915


def provision(resources: Mapping[str, Any]) -> list[str]:
    """Create the missing tables of every store in ``resources`` (its "clickhouse", "postgres"
    and "lake"); one line per store saying what was created."""
    return [
        _line("postgres", provision_postgres(resources["postgres"]), POSTGRES_TABLES),
        _line("lake", provision_lake(resources["lake"]), LAKE_TABLES),
        _line("clickhouse", provision_clickhouse(resources["clickhouse"]), CLICKHOUSE_TABLES),
    ]


def provision_clickhouse(clickhouse: ClickHouseResource) -> list[str]:
    # One session for all tables: one turn on an embedded chDB's directory.
    with clickhouse.session() as client:
        present = {
            row[0]
            for row in client.query(
                "SELECT name FROM system.tables WHERE database = currentDatabase()"
            ).result_rows
        }
        missing = [name for name in CLICKHOUSE_TABLES if name not in present]
        for name in missing:
            client.command(CLICKHOUSE_TABLES[name])
    return missing


def provision_postgres(postgres: PostgresResource) -> list[str]:
    with postgres.connect() as conn:  # one transaction, committed at the end of the block
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_POSTGRES_LOCK_KEY,))
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        present = {row["tablename"] for row in rows}
        missing = [name for name in POSTGRES_TABLES if name not in present]
        for name in missing:
            conn.execute(POSTGRES_TABLES[name])
    return missing


def provision_lake(lake: LakeResource) -> list[str]:
    missing = [name for name in LAKE_TABLES if not lake.exists(name)]
    for name in missing:
        # "ignore": a writer that got there first keeps its table.
        lake.write(name, LAKE_TABLES[name].empty_table(), mode="ignore")
    return missing


def _line(store: str, created: list[str], tables: Mapping[str, object]) -> str:
    if not created:
        return f"{store}: all {len(tables)} tables present, nothing created"
    return f"{store}: created {', '.join(created)} ({len(tables)} tables in all)"
