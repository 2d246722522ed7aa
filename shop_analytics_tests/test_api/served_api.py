"""The API served as in production (`shop-analytics api`'s server and settings), on a free port.

Concurrency across worker processes, connections that stall and bodies that stop arriving only
exist behind a real server, not in Flask's test client.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from api.serving import server_argv
from shop_analytics_tests.processes import stop
from shop_analytics_tests.test_api.conftest import READ_TOKEN, TOKEN, ApiPlace


@dataclass(frozen=True)
class ServedApi:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def served(place: ApiPlace, workers: int = 2, **environment: str) -> Iterator[ServedApi]:
    """The server with `workers` processes, up and answering /api/health, until the block ends."""
    api = ServedApi("127.0.0.1", free_port())
    env = {
        **os.environ,
        **place.environment(),
        "API_TOKEN": TOKEN,
        "API_READ_TOKEN": READ_TOKEN,
        "API_WORKERS": str(workers),
        "API_ACCESS_LOG": "",
        **environment,
    }
    process = subprocess.Popen(server_argv(api.host, api.port, env), env=env)
    try:
        _wait_until_healthy(api, process, timeout_s=120)
        yield api
    finally:
        stop(process)


def _wait_until_healthy(api: ServedApi, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the API server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{api.url}/api/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the API server did not answer within {timeout_s} s")
