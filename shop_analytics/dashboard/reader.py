"""The dashboard's ClickHouse reads: one session per request, taken in turn.

Each read is a unit of work (`ClickHouseResource.session()`): on embedded chDB the directory is
the dashboard's only while a request queries it, so the stream and Dagster runs keep writing
between two refreshes; on a ClickHouse server nothing is locked. The requests of this process
take turns on one lock (chDB is one engine per process), and the live figures are shared for
`LIVE_REUSE_S` between requests, so ten open tabs cost one query per refresh, not ten.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from clickhouse_connect.driver.client import Client

from shop_analytics.dashboard.history import history, newest_day
from shop_analytics.live import live_figures
from shop_analytics.resources.clickhouse import ClickHouseResource

T = TypeVar("T")

# Shorter than the page's refresh (3 s): every refresh of one tab sees new figures.
LIVE_REUSE_S = 1.0


class DashboardReader:
    def __init__(self, clickhouse: ClickHouseResource) -> None:
        self._clickhouse = clickhouse
        self._turn = threading.Lock()
        self._live: tuple[float, dict[str, Any]] | None = None

    def live(self) -> dict[str, Any]:
        """Today's and the last hour's figures, as JSON."""
        with self._turn:
            if self._live is not None and time.monotonic() - self._live[0] < LIVE_REUSE_S:
                return self._live[1]
            figures = self._read(lambda client: live_figures(client, datetime.now(UTC)))
            self._live = (time.monotonic(), figures.as_json())
            return self._live[1]

    def history(self, first: date | None, last: date | None) -> dict[str, Any]:
        """The mart charts of ``first``..``last`` (default: the 30 days up to the newest)."""
        with self._turn:
            return self._read(lambda client: _history(client, first, last))

    def _read(self, work: Callable[[Client], T]) -> T:
        with self._clickhouse.session() as client:
            return work(client)


DEFAULT_DAYS = 30


def _history(client: Client, first: date | None, last: date | None) -> dict[str, Any]:
    last = last or newest_day(client) or datetime.now(UTC).date()
    first = first or date.fromordinal(last.toordinal() - DEFAULT_DAYS + 1)
    return {
        "first": first.isoformat(),
        "last": last.isoformat(),
        "charts": history(client, first, last),
    }
