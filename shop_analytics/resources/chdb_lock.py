"""Fair, crash-safe turns on an embedded ClickHouse (chDB) data directory between processes.

chDB lets one process open a data directory at a time, so processes take turns, with files
beside the directory:

* ``<dir>.lock``: flocked by the process that has the directory open (the holder);
* ``<dir>.queue/ticket-<n>``: one file per waiting process, flocked by it while it waits. ``n``
  comes from the counter in ``<dir>.queue/.counter``, bumped under its flock and never reused,
  so tickets are served in arrival order (FIFO) and nobody starves.

A waiter takes the directory lock once no live ticket precedes its own, then drops its ticket.
A holder that works in units (the stream: one committed batch) asks `others_waiting` between
them and releases when a ticket is live; everyone else releases at the end of their block.

The kernel drops the flocks of a process that dies, even by kill -9: a dead holder's directory
lock is free at once, and a ticket that nobody holds a flock on belongs to a dead waiter. Whoever
finds such a stale ticket deletes it, so it blocks nobody.
"""

from __future__ import annotations

import fcntl
import os
import time
import uuid
from pathlib import Path
from types import TracebackType

TICKET_PREFIX = "ticket-"
COUNTER_WIDTH = 20  # digits, written in place in one pwrite


class ChdbLockTimeout(TimeoutError):
    """Other processes held the embedded ClickHouse (chDB) data directory for too long."""


class DirectoryLock:
    """The turn of this process on a chDB data directory: `acquire`, `release`, `others_waiting`."""

    def __init__(self, data_dir: Path, timeout_s: float, poll_s: float = 0.02) -> None:
        self.data_dir = data_dir
        self.timeout_s = timeout_s
        self.poll_s = poll_s
        self.lock_path = data_dir.with_name(data_dir.name + ".lock")
        self.queue = data_dir.with_name(data_dir.name + ".queue")
        self._lock_fd: int | None = None

    @property
    def held(self) -> bool:
        return self._lock_fd is not None

    def acquire(self) -> None:
        """Queue behind the processes already waiting, then take the directory; or time out."""
        if self.held:
            raise RuntimeError(f"the lock on {self.data_dir} is already held by this object")
        deadline = time.monotonic() + self.timeout_s
        self.queue.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        ticket_fd, ticket, number = self._take_ticket()
        try:
            while True:
                if not self._live_ticket_before(number) and _try_flock(lock_fd):
                    self._lock_fd = lock_fd
                    return
                if time.monotonic() >= deadline:
                    os.close(lock_fd)
                    raise ChdbLockTimeout(
                        f"embedded ClickHouse at {self.data_dir} is in use by another process "
                        f"(waited {self.timeout_s:.0f}s); chDB allows one process per data "
                        "directory: stop the other one or point CLICKHOUSE_DSN at a ClickHouse "
                        "server"
                    )
                time.sleep(self.poll_s)
        finally:
            # Unlink before closing: an unlocked ticket would otherwise look stale for a moment.
            ticket.unlink(missing_ok=True)
            os.close(ticket_fd)

    def release(self) -> None:
        if self._lock_fd is not None:
            fd, self._lock_fd = self._lock_fd, None
            os.close(fd)  # closing the descriptor releases the flock

    def others_waiting(self) -> bool:
        """Whether a live process waits for the directory (stale tickets are deleted on the way).

        Cheap when nobody waits: one listing of a directory that holds only the counter file.
        """
        return any(_is_live(ticket) for _, ticket in self._tickets())

    def waiting_count(self) -> int:
        """How many live processes wait (tests and logs)."""
        return sum(1 for _, ticket in self._tickets() if _is_live(ticket))

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.release()

    def _take_ticket(self) -> tuple[int, Path, int]:
        """A flocked ticket numbered after every earlier one: (descriptor, path, number)."""
        # Made under a private name and flocked before it is renamed into the queue, so no other
        # process ever sees one of our tickets unlocked (and deletes it as stale).
        draft = self.queue / f"draft-{os.getpid()}-{uuid.uuid4().hex}"
        fd = os.open(draft, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)
        counter = os.open(self.queue / ".counter", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(counter, fcntl.LOCK_EX)
            # Numbers are never reused: a process that deletes a stale ticket by its name can
            # only ever delete that ticket. Renamed under the flock, tickets appear in order.
            last = int(os.pread(counter, COUNTER_WIDTH, 0) or b"0")
            number = max([last, *(n for n, _ in self._tickets())]) + 1
            os.pwrite(counter, b"%0*d" % (COUNTER_WIDTH, number), 0)
            ticket = self.queue / f"{TICKET_PREFIX}{number:0{COUNTER_WIDTH}d}"
            os.rename(draft, ticket)
        finally:
            os.close(counter)
        return fd, ticket, number

    def _tickets(self) -> list[tuple[int, Path]]:
        """The queue's tickets in arrival order, live or stale."""
        return sorted(
            (int(name.removeprefix(TICKET_PREFIX)), self.queue / name)
            for name in os.listdir(self.queue)
            if name.startswith(TICKET_PREFIX)
        )

    def _live_ticket_before(self, number: int) -> bool:
        return any(_is_live(ticket) for n, ticket in self._tickets() if n < number)


def _try_flock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _is_live(ticket: Path) -> bool:
    """Whether the ticket's owner still waits; the ticket of a dead owner is deleted."""
    try:
        fd = os.open(ticket, os.O_RDWR)
    except FileNotFoundError:
        return False  # its owner got its turn (or gave up) since the listing
    try:
        if not _try_flock(fd):
            return True
        # Nobody holds it: its owner died. Another process may have deleted it first.
        ticket.unlink(missing_ok=True)
        return False
    finally:
        os.close(fd)
