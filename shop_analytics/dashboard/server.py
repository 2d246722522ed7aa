"""The dashboard under gunicorn: one worker process, threads for concurrent requests.

One process, because embedded chDB serves one process per data directory: more workers would
only queue for it. Threads keep pages and plotly.js served while a query runs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

THREADS = 8


class DashboardServer(BaseApplication):
    def __init__(self, app: Flask, bind: str) -> None:
        self._app = app
        self._options = {
            "bind": bind,
            "workers": 1,
            "worker_class": "gthread",
            "threads": THREADS,
            # Requests only read: a stop need not wait gunicorn's default 30 s for them.
            "graceful_timeout": 5,
            "accesslog": None,
            "errorlog": "-",
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self._app
