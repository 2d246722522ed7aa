"""`shop-analytics provision` on fresh stores creates every table, and a second run changes
nothing: a fresh PostgreSQL database, chDB directory and lake root beside the test stack."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from shop_analytics.settings import Settings
from shop_analytics.tables.registry import CLICKHOUSE_TABLES, LAKE_TABLES, POSTGRES_TABLES

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_database(stack: Settings) -> Iterator[str]:
    name = f"provision_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield stack.postgres_dsn.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_provision_creates_then_changes_nothing(
    stack: Settings, fresh_database: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        **stack.as_environment(),
        "POSTGRES_DSN": fresh_database,
        "CLICKHOUSE_DSN": f"chdb://{tmp_path / 'clickhouse'}",
        "LAKE_ROOT": f"s3://{stack.lake_bucket}/tests/provision-{uuid.uuid4().hex[:10]}",
    }

    def provision() -> list[str]:
        done = subprocess.run(
            [sys.executable, "-m", "shop_analytics.cli", "provision"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.splitlines()

    assert provision() == [
        f"postgres: created {', '.join(POSTGRES_TABLES)} ({len(POSTGRES_TABLES)} tables in all)",
        f"lake: created {', '.join(LAKE_TABLES)} ({len(LAKE_TABLES)} tables in all)",
        f"clickhouse: created {', '.join(CLICKHOUSE_TABLES)} "
        f"({len(CLICKHOUSE_TABLES)} tables in all)",
    ]
    assert provision() == [
        f"postgres: all {len(POSTGRES_TABLES)} tables present, nothing created",
        f"lake: all {len(LAKE_TABLES)} tables present, nothing created",
        f"clickhouse: all {len(CLICKHOUSE_TABLES)} tables present, nothing created",
    ]
    with psycopg.connect(fresh_database) as conn:
        found = {
            row[0]
            for row in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        }
    assert found == set(POSTGRES_TABLES)
