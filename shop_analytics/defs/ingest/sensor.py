"""The Kafka sensor: one run per new offset range of each partition of the purchases topic.

The cursor keeps, per partition, the next offset to hand out, and every range handed out whose
run has not succeeded yet. A range leaves the cursor only when its run succeeded; a failed or
cancelled run's range is requested again. Nothing is committed to Kafka: the runs read assigned
ranges, and the sinks make a range written twice harmless. Run config carries ranges, never
messages.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

import dagster as dg

from shop_analytics.defs.ingest.assets import INGEST_OP
from shop_analytics.defs.jobs import ingest_purchases_job
from shop_analytics.resources import KafkaResource

RANGE_TAG = "shop_analytics/offset_range"
# A backlog is split so that one run stays short and a failure repeats little work.
MAX_RANGE_MESSAGES = 100_000
_RETRY = frozenset({dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED})


@dataclass(frozen=True)
class PendingRange:
    topic: str
    partition: int
    start: int
    end: int
    attempt: int = 1

    @property
    def key(self) -> str:
        return f"{self.topic}-{self.partition}-{self.start}-{self.end}"

    @property
    def run_key(self) -> str:
        # Dagster skips a run key that already has a run, so a retry needs a key of its own.
        return self.key if self.attempt == 1 else f"{self.key}-retry{self.attempt - 1}"

    def run_request(self) -> dg.RunRequest:
        offsets = {
            "topic": self.topic,
            "partition": self.partition,
            "start_offset": self.start,
            "end_offset": self.end,
        }
        return dg.RunRequest(
            run_key=self.run_key,
            run_config={"ops": {INGEST_OP: {"config": {"ranges": [offsets]}}}},
            tags={RANGE_TAG: self.key},
        )


@dataclass
class OffsetCursor:
    next: dict[int, int] = field(default_factory=dict)
    pending: list[PendingRange] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str | None) -> OffsetCursor:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(
            next={int(p): int(o) for p, o in data["next"].items()},
            pending=[PendingRange(**r) for r in data["pending"]],
        )

    def dump(self) -> str:
        return json.dumps(
            {"next": {str(p): o for p, o in sorted(self.next.items())},
             "pending": [asdict(r) for r in self.pending]},
            sort_keys=True,
        )  # fmt: skip

    def written_through(self, partition: int) -> int:
        """Offsets below this are ingested: the start of the oldest unfinished range."""
        starts = [r.start for r in self.pending if r.partition == partition]
        return min(starts, default=self.next.get(partition, 0))


def next_requests(
    cursor: OffsetCursor,
    topic: str,
    end_offsets: dict[int, int],
    run_status: dict[str, dg.DagsterRunStatus | None],
    max_range: int = MAX_RANGE_MESSAGES,
) -> tuple[list[dg.RunRequest], OffsetCursor]:
    """The run requests of one tick and the cursor after it (pure: no Kafka, no instance)."""
    requests: list[dg.RunRequest] = []
    pending: list[PendingRange] = []
    for offsets in cursor.pending:
        status = run_status.get(offsets.key)
        if status == dg.DagsterRunStatus.SUCCESS:
            continue
        if status in _RETRY:
            offsets = replace(offsets, attempt=offsets.attempt + 1)
            requests.append(offsets.run_request())
        pending.append(offsets)
    positions = dict(cursor.next)
    for partition, end in sorted(end_offsets.items()):
        start = positions.get(partition, 0)
        while start < end:
            offsets = PendingRange(topic, partition, start, min(end, start + max_range))
            requests.append(offsets.run_request())
            pending.append(offsets)
            start = offsets.end
        positions[partition] = max(start, positions.get(partition, 0))
    return requests, OffsetCursor(next=positions, pending=pending)


def latest_run_status(instance: dg.DagsterInstance, key: str) -> dg.DagsterRunStatus | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={RANGE_TAG: key}), limit=1)
    return runs[0].status if runs else None


@dg.sensor(
    job=ingest_purchases_job,
    minimum_interval_seconds=30,
    description="Requests one ingestion run per new offset range of each partition of the "
    "purchases topic, and requests a range again when its run failed.",
)
def purchases_kafka_sensor(
    context: dg.SensorEvaluationContext, kafka: KafkaResource
) -> dg.SensorResult:
    cursor = OffsetCursor.parse(context.cursor)
    topic = kafka.purchases_topic
    status = {r.key: latest_run_status(context.instance, r.key) for r in cursor.pending}
    requests, cursor = next_requests(cursor, topic, kafka.end_offsets(topic), status)
    return dg.SensorResult(run_requests=requests, cursor=cursor.dump())
