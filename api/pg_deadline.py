"""A client-side deadline on PostgreSQL calls: past it, the connection's socket is shut.

`statement_timeout` is enforced by the server, so a server that does not run at all (frozen,
swapped out, a network that drops packets) leaves the request thread waiting on the socket
for as long as the kernel keeps the TCP connection: minutes. libpq has no client-side timeout
for a query, and cancelling goes through the (equally frozen) server. Shutting the socket down
from another thread wakes the waiting libpq call with an error at once; the connection is
then broken and the pool discards it.

One watcher thread per process keeps the deadlines of the calls in progress; a call only
registers and unregisters (a dict entry under a lock), so nothing is spent per call on timers.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

log = logging.getLogger(__name__)

# How late after its deadline a call may be cut: a fraction of any deadline worth setting.
TICK_S = 0.05


class Deadlines:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[float, int]] = {}  # id of the guard -> (deadline, fd)
        self._next = 0
        self._pid = 0

    @contextmanager
    def guard(self, conn: psycopg.Connection[Any], deadline: float) -> Iterator[None]:
        """Within this block, `conn` is cut when `time.monotonic()` passes `deadline`."""
        with self._lock:
            self._next += 1
            token = self._next
            self._watched[token] = (deadline, conn.pgconn.socket)
            # Started on first use in each process: the server may fork its workers after import.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._serve, name="pg-deadlines", daemon=True).start()
        try:
            yield
        finally:
            # Under the lock: once this returns, the watcher can no longer touch the socket,
            # which the pool may then close (and the kernel reuse its number).
            with self._lock:
                self._watched.pop(token, None)

    def _serve(self) -> None:
        while True:
            time.sleep(TICK_S)
            now = time.monotonic()
            with self._lock:
                late = [token for token, (at, _) in self._watched.items() if at <= now]
                for token in late:
                    _, fd = self._watched.pop(token)
                    _shut(fd)


def _shut(fd: int) -> None:
    try:
        # A duplicate descriptor of the same socket: shutdown acts on the socket itself,
        # closing the duplicate leaves libpq's descriptor valid (it fails on next use).
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)
        log.warning("PostgreSQL call passed its deadline: connection cut")
    except OSError as error:
        log.warning("could not cut a PostgreSQL connection past its deadline: %s", error)
