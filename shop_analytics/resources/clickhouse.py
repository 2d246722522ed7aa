"""ClickHouse through clickhouse-connect: an HTTP server in production, chDB in-process locally.

The same client code runs against both. chDB lets one process hold a data directory at a time
(a second one fails with "Cannot lock file .../status"), so embedded sessions are short-lived
and serialised across processes by an advisory file lock beside the data directory: a second
process waits up to ``lock_timeout_s`` and then gets a clear error instead of chDB's.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import clickhouse_connect
import dagster as dg
from clickhouse_connect.driver.client import Client
from pydantic import Field

CHDB_SCHEME = "chdb://"


class ClickHouseLockTimeout(TimeoutError):
    """Another process held the embedded ClickHouse (chDB) data directory for too long."""


class ClickHouseResource(dg.ConfigurableResource):
    """Opens ClickHouse sessions: ``chdb:///path`` (embedded) or ``http(s)://user:pw@host:8123``."""

    dsn: str = Field(description="chdb:///abs/path for embedded chDB, or an http(s):// URL.")
    connect_timeout_s: int = Field(default=5, description="Connect timeout of HTTP clients.")
    query_timeout_s: int = Field(default=300, description="Send/receive timeout of HTTP clients.")
    lock_timeout_s: float = Field(
        default=120.0, description="How long to wait for another process's chDB session."
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
        """A client for the duration of the block; closed (and the chDB lock freed) after it."""
        if self.embedded:
            with self._directory_lock():
                client = clickhouse_connect.get_client(dsn=self.dsn)
                try:
                    yield client
                finally:
                    client.close()
        else:
            client = clickhouse_connect.get_client(
                dsn=self.dsn,
                connect_timeout=self.connect_timeout_s,
                send_receive_timeout=self.query_timeout_s,
            )
            try:
                yield client
            finally:
                client.close()

    @contextmanager
    def _directory_lock(self) -> Iterator[None]:
        data_dir = self.data_dir
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        lock_path = data_dir.with_name(data_dir.name + ".lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + self.lock_timeout_s
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ClickHouseLockTimeout(
                            f"embedded ClickHouse at {data_dir} is in use by another process "
                            f"(waited {self.lock_timeout_s:.0f}s); chDB allows one process per "
                            "data directory: stop the other one or point CLICKHOUSE_DSN at a "
                            "ClickHouse server"
                        ) from None
                    time.sleep(0.1)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock
