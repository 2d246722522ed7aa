"""PostgreSQL connections for the API: a pool per process, every call under a deadline.

`PostgresClient.connect` opens a connection per unit of work, which costs more than a
purchase's whole request, so the API borrows from a `psycopg_pool.ConnectionPool` instead:

* a borrowed connection is checked first (`ConnectionPool.check_connection`, an empty query),
  so connections broken by a PostgreSQL restart are discarded and replaced before a request
  uses them: once the server is back, no request fails because of the restart;
* each unit of work (`connection()`) has one client-side deadline, `pg_deadline_s`, that
  covers the wait for a connection, its check and every statement (`api.pg_deadline`): a
  frozen or unreachable server is a 503 within that time, never a hung worker thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from api.errors import BackendUnavailable
from api.pg_deadline import Deadlines
from shop_analytics.clients import PostgresClient

PgConnection = psycopg.Connection[dict[str, Any]]


class PgConnections:
    def __init__(
        self,
        postgres: PostgresClient,
        *,
        deadline_s: float = 2.5,
        pool_size: int = 10,
        statement_timeout_s: float = 5.0,
    ) -> None:
        self._postgres = postgres
        self._deadline_s = deadline_s
        self._pool_size = pool_size
        self._statement_timeout_ms = int(statement_timeout_s * 1000)
        self._deadlines = Deadlines()
        self._local = threading.local()  # the deadline of this thread's unit of work
        self._pool_lock = threading.Lock()
        self._pool_pid = 0
        self._pool_instance: ConnectionPool[PgConnection] | None = None

    def _pool(self) -> ConnectionPool[PgConnection]:
        # Opened on first use in each process: the pool's threads do not survive the server's
        # fork, and the app must start while PostgreSQL is down.
        if self._pool_pid == os.getpid() and self._pool_instance is not None:
            return self._pool_instance
        with self._pool_lock:
            if self._pool_pid != os.getpid() or self._pool_instance is None:
                pool: ConnectionPool[PgConnection] = ConnectionPool(
                    self._postgres.dsn,
                    kwargs={
                        "autocommit": True,
                        "row_factory": dict_row,
                        "connect_timeout": self._postgres.connect_timeout_s,
                        # The idempotency records only guard against duplicates: losing the
                        # last few on a server crash means a retried purchase is published
                        # again under the same key, which every sink absorbs. Not waiting for
                        # the WAL flush per request halves the API's latency.
                        "options": f"-c statement_timeout={self._statement_timeout_ms} "
                        "-c synchronous_commit=off",
                    },
                    min_size=1,
                    max_size=self._pool_size,
                    check=self._check,
                    timeout=self._deadline_s,
                    # Keep trying to reconnect in the background for as long as it takes.
                    reconnect_timeout=float("inf"),
                    name="api",
                    open=False,
                )
                pool.open(wait=False)
                self._pool_instance, self._pool_pid = pool, os.getpid()
            assert self._pool_instance is not None
            return self._pool_instance

    def _check(self, conn: PgConnection) -> None:
        # The check is a round trip too: a frozen server would hang it without the deadline.
        deadline = getattr(self._local, "deadline", None) or time.monotonic() + self._deadline_s
        with self._deadlines.guard(conn, deadline):
            ConnectionPool.check_connection(conn)

    @contextmanager
    def connection(self, extra_s: float = 0.0) -> Iterator[PgConnection]:
        """A pooled autocommit connection until the block ends, all of it within the deadline
        (plus `extra_s` for waits of the block between statements); PostgreSQL being away or
        too slow becomes a 503."""
        deadline = time.monotonic() + self._deadline_s + extra_s
        self._local.deadline = deadline
        try:
            with (
                self._pool().connection(timeout=self._deadline_s) as conn,
                self._deadlines.guard(conn, deadline),
            ):
                yield conn
        except psycopg.OperationalError as error:  # PoolTimeout is one too
            raise BackendUnavailable("PostgreSQL", _detail(error, deadline)) from error
        except psycopg.InterfaceError as error:  # the connection was closed under us
            raise BackendUnavailable("PostgreSQL", str(error).strip()) from error
        finally:
            self._local.deadline = None

    def close(self) -> None:
        if self._pool_instance is not None and self._pool_pid == os.getpid():
            self._pool_instance.close(timeout=1.0)


def _detail(error: Exception, deadline: float) -> str:
    text = str(error).strip()
    if time.monotonic() >= deadline:
        return f"no answer within the deadline ({text})"
    return text
