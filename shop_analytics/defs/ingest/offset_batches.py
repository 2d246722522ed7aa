"""The Kafka sensor's bookkeeping, pure: which offsets one tick hands out, and to how many runs.

A *batch* is the offset ranges one ingestion run writes: every partition's new offsets at the
tick that requested it. The cursor keeps, per partition, the next offset to hand out, and every
batch whose run has not succeeded yet. One tick:

* drops the batches whose run succeeded;
* takes back the ranges of runs that failed, were cancelled or are gone;
* requests at most one run, and only while fewer than ``max_in_flight`` runs are under way; it
  covers the taken-back ranges and everything new of every partition (merged where adjacent).

So the run queue holds at most ``max_in_flight`` ingestion runs however fast purchases arrive
or however slow a run is: what arrives while the cap is reached waits for the next free slot and
then goes in one run. Nothing here talks to Kafka, the lake or the Dagster instance.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

import dagster as dg

from shop_analytics.streaming.offset_ranges import OffsetRange, ranges_key

# One run's share of a partition's backlog: a run stays short and a failure repeats little work.
MAX_RANGE_MESSAGES = 100_000
# Two runs under way: while one ingests, the next is starting (process start-up and loading the
# code location are most of a run). A third would only wait for the ClickHouse pool.
MAX_IN_FLIGHT = 2

_DONE = frozenset({dg.DagsterRunStatus.SUCCESS})
# A run in these states will not write its ranges: they go into the next run. "No run at all"
# counts too (deleted from the UI): the sensor daemon creates a tick's runs before the next
# tick, so a batch without a run is never one still being submitted.
_LOST = frozenset({dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED, None})


class RunState(Enum):
    DONE = "done"
    LOST = "lost"
    UNDER_WAY = "under_way"


def run_state(status: dg.DagsterRunStatus | None) -> RunState:
    if status in _DONE:
        return RunState.DONE
    if status in _LOST:
        return RunState.LOST
    return RunState.UNDER_WAY


@dataclass(frozen=True)
class Batch:
    """The ranges one run ingests (one topic, never empty); ``attempt`` > 1 when it carries
    ranges of a failed run."""

    ranges: tuple[OffsetRange, ...]
    attempt: int = 1

    @property
    def key(self) -> str:
        """``topic:partition:start-end+...``: the run key, and the tag the sensor looks runs up by.

        The ranges' key (`ranges_key`), so a run key Dagster already knows (a reset cursor
        handing out the same ranges again) names the same work; a retry gets a key of its own,
        since Dagster skips a run key that already has a run.
        """
        suffix = f"-retry{self.attempt - 1}" if self.attempt > 1 else ""
        return f"{ranges_key(self.ranges)}{suffix}"


@dataclass
class IngestCursor:
    topic: str = ""
    next: dict[int, int] = field(default_factory=dict)
    batches: list[Batch] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> IngestCursor:
        if not text:
            return cls()
        data = json.loads(text)
        topic = data["topic"]
        return cls(
            topic=topic,
            next={int(p): int(o) for p, o in data["next"].items()},
            batches=[
                Batch(tuple(OffsetRange(topic, *s) for s in b["spans"]), b["attempt"])
                for b in data["batches"]
            ],
        )

    def dump(self) -> str:
        # A batch's ranges stay "spans" of [partition, start, end]: cursors already stored by
        # the sensor daemon are read back in this format.
        return json.dumps(
            {
                "topic": self.topic,
                "next": {str(p): o for p, o in sorted(self.next.items())},
                "batches": [
                    {"spans": [[r.partition, r.start, r.end] for r in b.ranges],
                     "attempt": b.attempt}
                    for b in self.batches
                ],
            },
            sort_keys=True,
        )  # fmt: skip


@dataclass(frozen=True)
class Tick:
    """What one evaluation decided: the batch to request (if any), the cursor after it, why not."""

    batch: Batch | None
    cursor: IngestCursor
    skip_reason: str | None = None


def plan_tick(
    cursor: IngestCursor,
    topic: str,
    end_offsets: Mapping[int, int],
    status: Mapping[str, dg.DagsterRunStatus | None],
    start_of: Callable[[int], int],
    max_in_flight: int = MAX_IN_FLIGHT,
    max_range: int = MAX_RANGE_MESSAGES,
) -> Tick:
    """One tick of the sensor.

    ``status`` maps each batch key of the cursor to the status of its latest run (None: no run).
    ``start_of(partition)`` says where to start a partition the cursor does not know yet: after
    what the lake already holds, so a new cursor never re-reads what is written.
    """
    if cursor.topic != topic:
        cursor = IngestCursor(topic=topic)  # another topic: nothing of the old cursor applies
    under_way: list[Batch] = []
    lost: list[Batch] = []
    for batch in cursor.batches:
        state = run_state(status.get(batch.key))
        if state is RunState.UNDER_WAY:
            under_way.append(batch)
        elif state is RunState.LOST:
            lost.append(batch)
    positions = dict(cursor.next)
    for partition in end_offsets:
        if partition not in positions:
            positions[partition] = start_of(partition)
    if len(under_way) >= max_in_flight:
        waiting = IngestCursor(topic, positions, under_way + lost)
        return Tick(None, waiting, f"{len(under_way)} ingestion runs under way; new offsets wait")

    new: list[OffsetRange] = []
    for partition, end in sorted(end_offsets.items()):
        start = positions[partition]
        if start < end:
            stop = min(end, start + max_range)
            new.append(OffsetRange(topic, partition, start, stop))
            positions[partition] = stop
    ranges = merge_ranges([*(r for b in lost for r in b.ranges), *new])
    if not ranges:
        return Tick(None, IngestCursor(topic, positions, under_way), "no new offsets")
    attempt = max((b.attempt for b in lost), default=0) + 1
    batch = Batch(ranges, attempt)
    return Tick(batch, IngestCursor(topic, positions, [*under_way, batch]))


def merge_ranges(ranges: Iterable[OffsetRange]) -> tuple[OffsetRange, ...]:
    """Per partition, overlapping or adjacent ranges as one; sorted by partition and offset."""
    merged: list[OffsetRange] = []
    for r in sorted(ranges):
        last = merged[-1] if merged else None
        if last and (last.topic, last.partition) == (r.topic, r.partition) and r.start <= last.end:
            merged[-1] = OffsetRange(r.topic, r.partition, last.start, max(last.end, r.end))
        else:
            merged.append(r)
    return tuple(merged)
