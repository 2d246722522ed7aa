"""Marking claimed purchases as published, in the background and many at a time.

`published_at` only spares a repeated request a second Kafka message: a claimed row without it
is published again on a repeat, which is safe because the message key is the purchase id and
every sink keeps one row per id. So the mark need not be written before answering. A thread
per process writes the marks of everything acknowledged in the last few milliseconds with one
UPDATE, taking a statement (and its round trip) off every request. Until then the process
remembers the ids itself (`is_pending`), so a repeat it serves is not published twice; a repeat
served by another worker inside that short window may be, harmlessly. Marks that cannot be
written (PostgreSQL away) are retried, and dropped past a bound: again, at worst a repeat is
published twice.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable

from api.errors import BackendUnavailable
from api.pg_connections import PgConnections

log = logging.getLogger(__name__)

# How often the marks are written: short enough that a repeat rarely finds a row unmarked.
FLUSH_INTERVAL_S = 0.05
# Marks kept while PostgreSQL is away, beyond which the oldest are forgotten.
MAX_PENDING = 200_000


class PublishedMarks:
    def __init__(self, pg: PgConnections, entity: str) -> None:
        self._pg = pg
        self._entity = entity
        self._lock = threading.Lock()
        self._pending: dict[str, None] = {}  # insertion-ordered: the oldest are dropped first
        self._wake = threading.Event()
        self._pid = 0
        self._running = True

    def add(self, ids: Iterable[str]) -> None:
        """Record that the broker acknowledged these ids."""
        acknowledged = dict.fromkeys(ids)
        if not acknowledged:
            return
        with self._lock:
            self._pending.update(acknowledged)
            overflow = len(self._pending) - MAX_PENDING
            if overflow > 0:
                for stale in list(self._pending)[:overflow]:
                    del self._pending[stale]
            # One writer thread per process, started on first use: gunicorn forks the workers.
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._serve, name="published-marks", daemon=True).start()

    def is_pending(self, purchase_id: str) -> bool:
        """Acknowledged but not yet marked in PostgreSQL."""
        return purchase_id in self._pending

    def _serve(self) -> None:
        while self._running:
            self._wake.wait(FLUSH_INTERVAL_S)
            try:
                self.flush()
            except Exception:  # a mark is an optimisation: never let the writer thread die
                log.exception("published marks not written")

    def flush(self) -> None:
        """Write every pending mark now (also on shutdown)."""
        with self._lock:
            ids = list(self._pending)
        if not ids:
            return
        try:
            with self._pg.connection() as conn:
                conn.execute(
                    "UPDATE api_idempotency SET published_at = now() "
                    "WHERE entity = %b AND id = ANY(%b::text[]::uuid[]) AND published_at IS NULL",
                    (self._entity, ids),
                    binary=True,
                )
        except BackendUnavailable as error:
            log.warning("published marks not written, retrying: %s", error)
            return
        with self._lock:
            for purchase_id in ids:
                self._pending.pop(purchase_id, None)

    def close(self) -> None:
        self._running = False
        self._wake.set()
        if self._pid == os.getpid():
            self.flush()
