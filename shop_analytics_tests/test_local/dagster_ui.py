"""Run `shop-analytics ui` (dagster dev) as a user does, and talk to it over HTTP and GraphQL."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
# dagster dev loads the code location (every asset module) before it answers: minutes on a
# busy 2-core machine.
START_TIMEOUT_S = 240.0
STOP_TIMEOUT_S = 60.0


class DagsterUI:
    """One `shop-analytics ui` process (it becomes dagster dev), in a session of its own."""

    def __init__(self, argv: Sequence[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("a") as out:
            self.process = subprocess.Popen(
                list(argv),
                cwd=REPO_ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                # Its own process group: the webserver, daemon and code server can be checked
                # for (and, should SIGTERM fail, cleaned up) without touching anything else.
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_until_serving(self, url: str, timeout_s: float = START_TIMEOUT_S) -> dict[str, Any]:
        """The answer of ``url``/server_info, once the webserver gives one."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"ui exited with {self.process.returncode}:\n{self.tail()}")
            if "address already in use" in self.output():
                # dagster dev outlives its webserver: no point waiting for an answer.
                raise AssertionError(f"the UI's port is taken:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                    info: dict[str, Any] = json.load(response)
                    return info
            except OSError:
                time.sleep(1)
        raise AssertionError(
            f"no answer from {url}/server_info in {timeout_s:.0f} s:\n{self.tail()}"
        )

    def stop(self) -> int | None:
        """SIGTERM to the PID; its exit code, or None when it did not exit in time (then killed)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill_group()
            return None

    def group_alive(self) -> bool:
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def wait_group_gone(self, timeout_s: float = STOP_TIMEOUT_S) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.group_alive():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)
        return True

    def kill_group(self) -> None:
        """Last resort, for this test's own process group only."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.output().splitlines()[-lines:])


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer: dict[str, Any] = json.load(response)
    except urllib.error.HTTPError as error:
        raise AssertionError(f"GraphQL {error.code}: {error.read().decode()[:2000]}") from None
    assert "errors" not in answer, answer["errors"]
    assert "PythonError" not in json.dumps(answer), answer
    data: dict[str, Any] = answer["data"]
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(dagster_home: Path, **extra: str) -> dict[str, str]:
    """This test session's environment (its stack's home and ports) with a DAGSTER_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DAGSTER_")}
    return {**env, "DAGSTER_HOME": str(dagster_home), **extra}
