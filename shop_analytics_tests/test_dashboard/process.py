"""`shop-analytics dashboard` as a process of its own on a place's chDB (the browser test and
bench/dashboard.py)."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from shop_analytics_tests.processes import stop
from shop_analytics_tests.test_api.conftest import READ_TOKEN, TOKEN
from shop_analytics_tests.test_streaming.helpers import StreamPlace

START_S = 300


def start_dashboard(place: StreamPlace, port: int, log: Path) -> subprocess.Popen[bytes]:
    """The dashboard on ``port``, opening for the API tests' tokens; returns once it answers."""
    env = {**os.environ, **place.environment(), "API_TOKEN": TOKEN, "API_READ_TOKEN": READ_TOKEN}
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "shop_analytics.cli", "dashboard", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the dashboard exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5):
                return process
        except (OSError, http.client.HTTPException):
            # Not listening yet. Our ports lie in Linux's ephemeral range, so a connect can
            # meet itself (source port = the port asked for) and read its own request back.
            time.sleep(0.2)
    stop(process)
    raise AssertionError(f"the dashboard did not answer within {START_S} s: see {log}")


def now_stamp() -> str:
    """A purchase timestamp of this second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
