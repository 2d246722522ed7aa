"""The turns on an embedded ClickHouse directory, across real processes (no chDB needed here).

Every wait below is for a state the processes reach (a line printed, a ticket in the queue, an
exit), never for an amount of time.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from shop_analytics.resources.chdb_lock import ChdbLockTimeout, DirectoryLock

CHILD = "shop_analytics_tests.test_resources.lock_child"
WAIT_S = 60  # a bound for a state to be reached, not a threshold on how fast


class Processes:
    def __init__(self, data_dir: Path, log: Path) -> None:
        self.data_dir, self.log = data_dir, log
        self.started: list[subprocess.Popen[str]] = []

    def start(self, mode: str, name: str = "holder") -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, "-m", CHILD, mode, str(self.data_dir), name, str(self.log)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.started.append(process)
        return process

    def holding(self, mode: str = "hold") -> subprocess.Popen[str]:
        process = self.start(mode)
        assert process.stdout is not None and process.stdout.readline().strip() == "holding"
        return process

    def order(self) -> list[str]:
        return self.log.read_text().split() if self.log.exists() else []


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path / "clickhouse", tmp_path / "order.log")
    yield procs
    for process in procs.started:
        process.kill()
        process.wait()


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"not reached within {WAIT_S} s: {what}"
        time.sleep(0.01)


def release(process: subprocess.Popen[str]) -> None:
    assert process.stdin is not None
    process.stdin.write("\n")
    process.stdin.flush()


def test_waiting_processes_get_their_turn_in_arrival_order(processes: Processes) -> None:
    probe = DirectoryLock(processes.data_dir, timeout_s=0)
    holder = processes.holding()
    waiters = []
    for i in range(4):
        waiters.append(processes.start("take", f"w{i}"))
        wait_for(lambda n=i + 1: probe.waiting_count() == n, f"{i + 1} processes queued")
    assert probe.others_waiting()
    release(holder)
    for waiter in waiters:
        assert waiter.wait(timeout=WAIT_S) == 0
    assert processes.order() == ["w0", "w1", "w2", "w3"]
    assert probe.waiting_count() == 0


def test_a_holder_killed_with_sigkill_frees_the_directory(processes: Processes) -> None:
    probe = DirectoryLock(processes.data_dir, timeout_s=0)
    holder = processes.holding()
    waiter = processes.start("take", "after-kill")
    wait_for(lambda: probe.waiting_count() == 1, "the waiter queued")
    holder.send_signal(signal.SIGKILL)
    assert waiter.wait(timeout=WAIT_S) == 0
    assert processes.order() == ["after-kill"]


def test_a_waiter_killed_with_sigkill_does_not_block_the_queue(processes: Processes) -> None:
    probe = DirectoryLock(processes.data_dir, timeout_s=0)
    holder = processes.holding()
    doomed = processes.start("take", "killed")
    wait_for(lambda: probe.waiting_count() == 1, "the first waiter queued")
    survivor = processes.start("take", "survivor")
    wait_for(lambda: probe.waiting_count() == 2, "the second waiter queued")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=WAIT_S)
    # Its ticket is left behind unlocked: stale, deleted by whoever looks, not counted.
    assert probe.waiting_count() == 1
    assert len(list(probe.queue.glob("ticket-*"))) == 1
    release(holder)
    assert survivor.wait(timeout=WAIT_S) == 0
    assert processes.order() == ["survivor"]


def test_a_killed_waiter_ahead_in_line_is_skipped_by_the_next_one(processes: Processes) -> None:
    """Nobody else deletes the dead waiter's ticket here: the next in line must see it is stale."""
    probe = DirectoryLock(processes.data_dir, timeout_s=0)
    holder = processes.holding()
    doomed = processes.start("take", "killed")
    wait_for(lambda: len(list(probe.queue.glob("ticket-*"))) == 1, "the first waiter queued")
    survivor = processes.start("take", "survivor")
    wait_for(lambda: len(list(probe.queue.glob("ticket-*"))) == 2, "the second waiter queued")
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=WAIT_S)
    release(holder)
    assert survivor.wait(timeout=WAIT_S) == 0
    assert processes.order() == ["survivor"]


def test_a_holder_that_sees_a_waiter_yields_to_it(processes: Processes) -> None:
    holder = processes.holding("yield")
    waiter = processes.start("take", "waiter")
    assert waiter.wait(timeout=WAIT_S) == 0
    assert holder.stdout is not None and holder.stdout.readline().strip() == "yielded"
    assert processes.order() == ["waiter"]


def test_a_wait_that_times_out_leaves_no_ticket_behind(processes: Processes) -> None:
    holder = processes.holding()
    lock = DirectoryLock(processes.data_dir, timeout_s=0.2)
    with pytest.raises(ChdbLockTimeout, match="is in use by another process"):
        lock.acquire()
    assert not lock.held
    assert list(lock.queue.glob("ticket-*")) == []
    release(holder)
    assert holder.wait(timeout=WAIT_S) == 0
    with lock:
        assert lock.held and not lock.others_waiting()
    assert not lock.held
