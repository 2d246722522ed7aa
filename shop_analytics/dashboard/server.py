"""The dashboard under granian, as the write API: one worker process, threads for its requests.

One process, because embedded chDB serves one process per data directory: more workers would
only queue for it. Threads keep pages and plotly.js served while a query runs.
"""

from __future__ import annotations

import os
import sys

from flask import Flask

from api.auth import Credentials
from shop_analytics import settings as settings_module
from shop_analytics.dashboard.app import create_app
from shop_analytics.dashboard.reader import DashboardReader
from shop_analytics.resources.clickhouse import ClickHouseResource

THREADS = 8
TARGET = "shop_analytics.dashboard.server:app_from_environment"


def app_from_environment() -> Flask:
    """The factory granian's worker calls: the stack's ClickHouse and the API's credentials,
    from the environment `shop-analytics dashboard` prepared."""
    settings = settings_module.load()
    credentials = Credentials(os.environ.get("API_TOKEN"), os.environ.get("API_READ_TOKEN"))
    return create_app(DashboardReader(ClickHouseResource(dsn=settings.clickhouse_dsn)), credentials)


def server_argv(host: str, port: int) -> list[str]:
    granian = os.path.join(os.path.dirname(sys.executable), "granian")
    return [
        granian, "--interface", "wsgi", "--factory", "--host", host, "--port", str(port),
        "--workers", "1", "--blocking-threads", str(THREADS), "--http", "1",
        # Requests only read: a stop need not wait long for them.
        "--workers-kill-timeout", "5", "--no-access-log", TARGET,
    ]  # fmt: skip
