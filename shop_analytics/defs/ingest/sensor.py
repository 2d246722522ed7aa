"""The Kafka sensor: one ingestion run per tick for every partition's new offsets, two at most.

What a tick decides is `offset_batches.plan_tick` (pure); this module feeds it the topic's end
offsets, the lake's per-partition watermark (only for partitions the cursor does not know, i.e.
on the first tick), and the status of the runs the cursor still waits for. Nothing is committed
to Kafka: runs read assigned ranges, and the sinks make a range written twice harmless. Run
config carries ranges, never messages.

Failed runs are not retried through Dagster's run retries (`dagster/max_retries`): a failed
run's ranges go into the sensor's next run, together with the new offsets, so a failure costs no
extra run in the queue and the cap on runs in flight holds. Run retries would re-run the same
ranges beside the sensor's next run, stop after their limit (the sensor would still have to
notice a run that failed for good, or lose its ranges), and leave a "failed, retry coming" state
to tell apart from "failed for good".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import dagster as dg

from shop_analytics.defs.ingest.assets import ingest_run_config
from shop_analytics.defs.ingest.offset_batches import Batch, IngestCursor, Tick, plan_tick
from shop_analytics.defs.jobs import ingest_purchases_job
from shop_analytics.resources import KafkaResource, LakeResource
from shop_analytics.streaming.lake_sink import LakeSink

BATCH_TAG = "shop_analytics/offset_batch"
# The sensor daemon evaluates sensors every 5 s at best (its loop time); asking for less buys
# nothing. A tick costs one offsets request to Kafka and a run-status lookup per run in flight.
TICK_INTERVAL_S = 5


class TopicPositions(Protocol):
    """Where a topic's partitions end, and where ingestion of each should start."""

    @property
    def topic(self) -> str: ...

    def end_offsets(self) -> dict[int, int]: ...

    def first_unwritten(self, partition: int) -> int: ...


@dataclass
class KafkaLakePositions:
    """End offsets from Kafka; the first offset the lake does not hold yet (its watermark + 1)."""

    kafka: KafkaResource
    lake: LakeResource
    _sink: LakeSink | None = field(default=None, init=False)

    @property
    def topic(self) -> str:
        return self.kafka.purchases_topic

    def end_offsets(self) -> dict[int, int]:
        return self.kafka.end_offsets(self.topic)

    def first_unwritten(self, partition: int) -> int:
        # Both sinks are written together; the lake's watermark is the one that can be read
        # back per partition (ClickHouse keeps no offsets), and it never moves back.
        if self._sink is None:
            self._sink = LakeSink(self.lake)  # one Delta log read for all partitions
        done = self._sink.watermark(self.topic, partition)
        return 0 if done is None else done + 1


def batch_run_request(batch: Batch) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=batch.key,
        run_config=ingest_run_config(batch.ranges),
        tags={BATCH_TAG: batch.key},
    )


def latest_run_status(instance: dg.DagsterInstance, key: str) -> dg.DagsterRunStatus | None:
    runs = instance.get_runs(filters=dg.RunsFilter(tags={BATCH_TAG: key}), limit=1)
    return runs[0].status if runs else None


def evaluate_tick(context: dg.SensorEvaluationContext, positions: TopicPositions) -> Tick:
    """The sensor's decision for this tick; testable with `dg.build_sensor_context`."""
    cursor = IngestCursor.parse(context.cursor)
    status = {b.key: latest_run_status(context.instance, b.key) for b in cursor.batches}
    return plan_tick(
        cursor, positions.topic, positions.end_offsets(), status, positions.first_unwritten
    )


def sensor_result(tick: Tick) -> dg.SensorResult:
    if tick.batch is None:
        return dg.SensorResult(skip_reason=tick.skip_reason, cursor=tick.cursor.dump())
    return dg.SensorResult(run_requests=[batch_run_request(tick.batch)], cursor=tick.cursor.dump())


@dg.sensor(
    job=ingest_purchases_job,
    minimum_interval_seconds=TICK_INTERVAL_S,
    description="Requests one ingestion run for every partition's new offsets of the purchases "
    "topic, with at most two such runs under way; a failed run's offsets go into the next run. "
    "A new cursor starts after what the lake already holds.",
)
def purchases_kafka_sensor(
    context: dg.SensorEvaluationContext, kafka: KafkaResource, lake: LakeResource
) -> dg.SensorResult:
    return sensor_result(evaluate_tick(context, KafkaLakePositions(kafka, lake)))
