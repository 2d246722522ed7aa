"""PostgresResource against the real local PostgreSQL server."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from psycopg import sql

from shop_analytics.resources.postgres import PostgresResource
from shop_analytics.settings import Settings
from shop_analytics_tests.test_resources.helpers import closed_port, silent_port


@pytest.fixture
def postgres(stack: Settings) -> PostgresResource:
    return PostgresResource(dsn=stack.postgres_dsn)


@pytest.fixture
def table(postgres: PostgresResource) -> Iterator[sql.Identifier]:
    """A table of its own per test, so that reruns on a kept stack start clean."""
    name = sql.Identifier(f"test_rows_{uuid.uuid4().hex[:12]}")
    postgres.execute(
        sql.SQL(
            "CREATE TABLE {} (id UUID PRIMARY KEY, email VARCHAR(150), price NUMERIC(10, 2),"
            " registered TIMESTAMPTZ)"
        ).format(name)
    )
    yield name
    postgres.execute(sql.SQL("DROP TABLE {}").format(name))


def test_rows_go_in_and_come_out(postgres: PostgresResource, table: sql.Identifier) -> None:
    rows = [
        (
            uuid.uuid4(),
            f"client{i}@example.com",
            Decimal(f"{i}.50"),
            datetime(2025, 4, 6, 12, i, tzinfo=UTC),
        )
        for i in range(3)
    ]
    inserted = postgres.executemany(
        sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s)").format(table), rows
    )
    assert inserted == 3

    got = postgres.fetch(sql.SQL("SELECT * FROM {} ORDER BY price").format(table))

    assert [(r["id"], r["email"], r["price"], r["registered"]) for r in got] == rows


def test_connect_rolls_back_on_error(postgres: PostgresResource, table: sql.Identifier) -> None:
    with pytest.raises(RuntimeError), postgres.connect() as conn:
        conn.execute(sql.SQL("INSERT INTO {} (id) VALUES (%s)").format(table), (uuid.uuid4(),))
        raise RuntimeError("the step failed after the insert")

    assert postgres.fetch(sql.SQL("SELECT count(*) AS n FROM {}").format(table)) == [{"n": 0}]


def test_refused_port_fails_at_once_with_a_clear_error() -> None:
    port = closed_port()
    postgres = PostgresResource(dsn=f"postgresql://postgres@127.0.0.1:{port}/shop")

    started = time.monotonic()
    with pytest.raises(psycopg.OperationalError, match=rf"port {port} failed: Connection refused"):
        postgres.fetch("SELECT 1")
    assert time.monotonic() - started < 2


def test_hung_server_fails_within_the_connect_timeout() -> None:
    with silent_port() as port:
        postgres = PostgresResource(
            dsn=f"postgresql://postgres@127.0.0.1:{port}/shop", connect_timeout_s=2
        )
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError, match="timeout expired"):
            postgres.fetch("SELECT 1")
        elapsed = time.monotonic() - started

    assert 1.5 < elapsed < 6


def test_unknown_role_fails_clearly(stack: Settings) -> None:
    postgres = PostgresResource(dsn=f"postgresql://nobody@127.0.0.1:{stack.port('postgres')}/shop")
    with pytest.raises(psycopg.OperationalError, match='role "nobody" does not exist'):
        postgres.fetch("SELECT 1")
