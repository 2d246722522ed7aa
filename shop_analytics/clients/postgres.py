"""PostgreSQL through psycopg 3: one short-lived connection per unit of work."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.abc import Params
from psycopg.abc import QueryNoTemplate as Query
from psycopg.rows import dict_row
from pydantic import Field

from shop_analytics.clients.client_model import ClientModel


class PostgresClient(ClientModel):
    """A PostgreSQL database named by a DSN (``postgresql://user[:pw]@host:port/db``)."""

    dsn: str = Field(description="libpq connection string or URI")
    connect_timeout_s: int = Field(
        default=5, description="give up on an unreachable server after this long (min 2 s)"
    )

    @contextmanager
    def connect(self) -> Iterator[psycopg.Connection[dict[str, Any]]]:
        """A connection whose rows are dicts; committed on success, rolled back on error.

        Without connect_timeout libpq waits for the kernel's TCP timeout (minutes) on a host
        that drops packets; with it, a dead server fails in seconds with libpq's own message
        (host, port and reason).
        """
        with psycopg.connect(
            self.dsn, connect_timeout=self.connect_timeout_s, row_factory=dict_row
        ) as conn:
            yield conn

    def execute(self, query: Query, params: Params | None = None) -> int:
        """Run one statement in its own transaction; returns the affected row count."""
        with self.connect() as conn:
            return conn.execute(query, params).rowcount

    def executemany(self, query: Query, rows: Iterable[Params]) -> int:
        """Run ``query`` once per row in one transaction (pipelined by psycopg)."""
        with self.connect() as conn, conn.cursor() as cur:
            cur.executemany(query, rows)
            return cur.rowcount

    def fetch(self, query: Query, params: Params | None = None) -> list[dict[str, Any]]:
        """The rows of ``query`` as dicts."""
        with self.connect() as conn:
            return conn.execute(query, params).fetchall()
