"""`shop-analytics up` twice then `down`: the second up finds the services, down leaves nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from shop_analytics import settings as settings_module
from shop_analytics.local import stack
from shop_analytics_tests.homes import test_home

# Starts processes of its own: the stack tier.
pytestmark = pytest.mark.stack

CLI = [sys.executable, "-m", "shop_analytics.cli"]


def _processes_using(home: Path) -> list[str]:
    """Command lines of live processes that mention ``home`` (servers keep their data there)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(home) in cmdline:
            found.append(f"{entry.name}: {cmdline[:200]}")
    return found


def test_up_is_idempotent_and_down_leaves_no_process() -> None:
    # Not under /tmp/pytest-of-root: PostgreSQL runs as `postgres`, which cannot enter it.
    home = test_home("test-lifecycle")
    shutil.rmtree(home, ignore_errors=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in settings_module.as_environment_keys()
    }
    env |= {"SHOP_ANALYTICS_HOME": str(home), "SHOP_ANALYTICS_PORT_BASE": "26000"}

    def cli(*args: str) -> str:
        result = subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    settings = settings_module.load(env)
    try:
        first = cli("up")
        pids = {s.system: s.process.pid() for s in stack.services(settings)}
        assert all(pids.values()), first

        second = cli("up")
        # The same processes serve: nothing was started twice.
        assert {s.system: s.process.pid() for s in stack.services(settings)} == pids
        assert all(f"{system}: already running" in second for system in pids)

        status = cli("status")
        assert all(f"{system:<16}up" in status for system in pids)
    finally:
        cli("down")

    assert _processes_using(home) == []
    assert "down" in cli("status")
    shutil.rmtree(home)
