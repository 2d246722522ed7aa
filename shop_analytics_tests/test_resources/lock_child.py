"""A process that takes a turn on a directory lock, driven by the lock tests.

    python -m shop_analytics_tests.test_resources.lock_child MODE DATA_DIR NAME LOG

``take``: wait for the turn, append NAME to LOG, release, exit. ``hold``: take the turn, print
``holding``, release after a line on stdin. ``yield``: take the turn, print ``holding``, release
as soon as another process waits and print ``yielded``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import ModuleType

import shop_analytics


def load_chdb_lock() -> ModuleType:
    """The lock module alone: the `shop_analytics.resources` package imports Dagster, which
    takes seconds per process on a busy machine; the lock needs only the standard library."""
    path = Path(shop_analytics.__file__).parent / "resources" / "chdb_lock.py"
    spec = importlib.util.spec_from_file_location("chdb_lock", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(mode: str, data_dir: str, name: str, log: str) -> None:
    chdb_lock = load_chdb_lock()
    with chdb_lock.DirectoryLock(Path(data_dir), timeout_s=120, poll_s=0.01) as lock:
        if mode == "take":
            with open(log, "a") as out:
                out.write(name + "\n")
            return
        print("holding", flush=True)
        if mode == "hold":
            sys.stdin.readline()
        else:
            while not lock.others_waiting():
                time.sleep(0.01)
    if mode == "yield":
        print("yielded", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
