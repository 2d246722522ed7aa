"""ClickHouse through clickhouse-connect: an HTTP server in production, chDB in-process locally.

The same client code runs against both. chDB lets one process hold a data directory at a time
(a second one fails with "Cannot lock file .../status"), so an embedded session is taken in turn
(`chdb_lock.DirectoryLock`: first come, first served, across processes) and held only for a unit
of work: a `session()` block, or the time between two `HeldSession.hand_over` checks of a
long-running holder such as the stream. Closing the chDB client releases the directory for
another process; opening one costs ~0.1-0.3 s (README, "chDB and processes"). A process that
waits longer than ``lock_timeout_s`` gets `ClickHouseLockTimeout`. A server is never locked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import clickhouse_connect
import dagster as dg
from clickhouse_connect.driver.client import Client
from pydantic import Field

from shop_analytics.resources.chdb_lock import ChdbLockTimeout, DirectoryLock

CHDB_SCHEME = "chdb://"

logger = logging.getLogger(__name__)

ClickHouseLockTimeout = ChdbLockTimeout  # the name callers know; defined beside the lock


class HeldSession:
    """A session kept over many units of work that lets a waiting process in between them.

    ``client`` changes at each `hand_over`: read it again after one.
    """

    def __init__(self, resource: ClickHouseResource, lock: DirectoryLock | None) -> None:
        self._resource = resource
        self._lock = lock
        self.hand_overs = 0
        self.seconds_handed_over = 0.0
        if lock is not None:
            lock.acquire()
        try:
            self.client = resource.open_client()
        except BaseException:
            if lock is not None:
                lock.release()
            raise

    def others_waiting(self) -> bool:
        """Whether another process waits for the directory: one directory listing (never, on a
        server). Ask between units of work; `hand_over` when it says so."""
        return self._lock is not None and self._lock.others_waiting()

    def hand_over(self) -> None:
        """Let the processes waiting have the directory; return with a new ``client`` once this
        process has it again (it queues behind them). Nothing may be using the client."""
        if self._lock is None:
            return
        started = time.monotonic()
        self.client.close()  # closing the chDB client frees the directory for the next process
        self._lock.release()
        self._lock.acquire()
        self.client = self._resource.open_client()
        away_s = time.monotonic() - started
        self.hand_overs += 1
        self.seconds_handed_over += away_s
        logger.info("handed embedded ClickHouse to a waiting process, back after %.2f s", away_s)

    def close(self) -> None:
        self.client.close()
        if self._lock is not None:
            self._lock.release()


class ClickHouseResource(dg.ConfigurableResource):
    """Opens ClickHouse sessions: ``chdb:///path`` (embedded) or ``http(s)://user:pw@host:8123``."""

    dsn: str = Field(description="chdb:///abs/path for embedded chDB, or an http(s):// URL.")
    connect_timeout_s: int = Field(default=5, description="Connect timeout of HTTP clients.")
    query_timeout_s: int = Field(default=300, description="Send/receive timeout of HTTP clients.")
    lock_timeout_s: float = Field(
        default=120.0,
        description="How long to wait for the turn on an embedded chDB (processes ahead in line).",
    )

    @property
    def embedded(self) -> bool:
        return self.dsn.startswith(CHDB_SCHEME)

    @property
    def data_dir(self) -> Path:
        if not self.embedded:
            raise ValueError("only an embedded (chdb://) ClickHouse has a local data directory")
        return Path(self.dsn.removeprefix(CHDB_SCHEME))

    @contextmanager
    def session(self) -> Iterator[Client]:
        """A client for the duration of the block, which is one unit of work: the directory of
        an embedded chDB is this process's for the block and free for the next one after it."""
        with self.held_session() as held:
            yield held.client

    @contextmanager
    def held_session(self) -> Iterator[HeldSession]:
        """A session for a long-running holder, which asks `HeldSession.others_waiting` between
        its units of work and then calls `HeldSession.hand_over`, so others get their turn."""
        lock = DirectoryLock(self.data_dir, self.lock_timeout_s) if self.embedded else None
        held = HeldSession(self, lock)
        try:
            yield held
        finally:
            held.close()

    def open_client(self) -> Client:
        """A new client; for chDB only while this process holds the directory lock."""
        if self.embedded:
            self.data_dir.parent.mkdir(parents=True, exist_ok=True)
            return clickhouse_connect.get_client(dsn=self.dsn)
        return clickhouse_connect.get_client(
            dsn=self.dsn,
            connect_timeout=self.connect_timeout_s,
            send_receive_timeout=self.query_timeout_s,
        )
