"""The Kafka sensor's decisions, without services: a sensor context on an ephemeral instance and
a topic whose end offsets and lake watermarks the test sets."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import dagster as dg
import pytest

from shop_analytics.defs.ingest.offset_batches import (
    Batch,
    IngestCursor,
    merge_ranges,
    plan_tick,
)
from shop_analytics.defs.ingest.sensor import (
    BATCH_TAG,
    TICK_INTERVAL_S,
    evaluate_tick,
    purchases_kafka_sensor,
    sensor_result,
)
from shop_analytics.streaming.offset_ranges import OffsetRange

TOPIC = "purchases"
Status = dg.DagsterRunStatus


def offsets(partition: int, start: int, end: int) -> OffsetRange:
    return OffsetRange(TOPIC, partition, start, end)


@dataclass
class FakeTopic:
    """End offsets and the first offset the lake lacks, per partition; counts lake lookups."""

    ends: dict[int, int]
    unwritten: dict[int, int] = field(default_factory=dict)
    lake_lookups: list[int] = field(default_factory=list)
    topic: str = TOPIC

    def end_offsets(self) -> dict[int, int]:
        return dict(self.ends)

    def first_unwritten(self, partition: int) -> int:
        self.lake_lookups.append(partition)
        return self.unwritten.get(partition, 0)


@pytest.fixture
def instance() -> dg.DagsterInstance:
    return dg.DagsterInstance.ephemeral()


def tick(
    instance: dg.DagsterInstance, topic: FakeTopic, cursor: str | None
) -> tuple[list[dg.RunRequest], str, str | None]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    result = sensor_result(evaluate_tick(context, topic))
    assert result.cursor is not None
    skip = result.skip_reason.skip_message if result.skip_reason else None
    return list(result.run_requests or []), result.cursor, skip


def ranges(request: dg.RunRequest) -> list[tuple[int, int, int]]:
    config = request.run_config["ops"]["purchases_ingest"]["config"]["ranges"]
    assert {r["topic"] for r in config} == {TOPIC}
    return [(r["partition"], r["start_offset"], r["end_offset"]) for r in config]


def record_run(instance: dg.DagsterInstance, request: dg.RunRequest, status: Status) -> None:
    """A run of the request's batch with ``status`` (the newest run of a batch is what counts)."""
    run = dg.DagsterRun(
        job_name="ingest_purchases",
        run_id=str(uuid.uuid4()),
        run_config=request.run_config,
        tags=request.tags,
        status=status,
    )
    instance.add_run(run)


def test_a_new_cursor_starts_after_what_the_lake_holds(instance: dg.DagsterInstance) -> None:
    # Partition 0 is partly written, partition 1 not at all, partition 2 completely.
    topic = FakeTopic(ends={0: 60, 1: 5, 2: 7}, unwritten={0: 50, 1: 0, 2: 7})
    (request,), cursor, _ = tick(instance, topic, None)
    assert ranges(request) == [(0, 50, 60), (1, 0, 5)]
    assert request.run_key == request.tags[BATCH_TAG] == "purchases:0:50-60+1:0-5"
    assert sorted(topic.lake_lookups) == [0, 1, 2]

    record_run(instance, request, Status.SUCCESS)
    topic.ends = {0: 61, 1: 5, 2: 9}
    (request,), _, _ = tick(instance, topic, cursor)
    assert ranges(request) == [(0, 60, 61), (2, 7, 9)]
    assert sorted(topic.lake_lookups) == [0, 1, 2]  # the lake is read on the first tick only


def test_one_run_per_tick_covers_every_partition(instance: dg.DagsterInstance) -> None:
    topic = FakeTopic(ends={0: 3, 1: 4, 2: 5})
    requests, cursor, _ = tick(instance, topic, None)
    assert [ranges(r) for r in requests] == [[(0, 0, 3), (1, 0, 4), (2, 0, 5)]]
    assert IngestCursor.parse(cursor).next == {0: 3, 1: 4, 2: 5}


def test_runs_in_flight_are_capped_and_what_waits_goes_in_one_run(
    instance: dg.DagsterInstance,
) -> None:
    topic = FakeTopic(ends={0: 10, 1: 10})
    (first,), cursor, _ = tick(instance, topic, None)
    record_run(instance, first, Status.STARTED)
    topic.ends = {0: 20, 1: 10}
    (second,), cursor, _ = tick(instance, topic, cursor)
    assert ranges(second) == [(0, 10, 20)]
    record_run(instance, second, Status.STARTING)

    # Two runs under way: however many ticks pass, nothing more is queued.
    for end in (30, 40, 50):
        topic.ends = {0: end, 1: end}
        requests, cursor, skip = tick(instance, topic, cursor)
        assert requests == []
        assert skip is not None and "2 ingestion runs under way" in skip

    record_run(instance, first, Status.SUCCESS)
    (third,), cursor, _ = tick(instance, topic, cursor)
    assert ranges(third) == [(0, 20, 50), (1, 10, 50)]  # everything that waited, in one run
    assert [b.key for b in IngestCursor.parse(cursor).batches] == [
        second.tags[BATCH_TAG],
        third.tags[BATCH_TAG],
    ]


def test_a_failed_run_goes_into_the_next_run_with_the_new_offsets(
    instance: dg.DagsterInstance,
) -> None:
    topic = FakeTopic(ends={0: 10, 1: 10})
    (failing,), cursor, _ = tick(instance, topic, None)
    record_run(instance, failing, Status.FAILURE)
    topic.ends = {0: 15, 1: 10}
    (retry,), cursor, _ = tick(instance, topic, cursor)
    assert ranges(retry) == [(0, 0, 15), (1, 0, 10)]  # merged with partition 0's new offsets
    assert retry.run_key == "purchases:0:0-15+1:0-10-retry1"

    record_run(instance, retry, Status.CANCELED)
    (again,), cursor, _ = tick(instance, topic, cursor)  # no new offsets: the same ranges again
    assert ranges(again) == ranges(retry)
    assert again.run_key == "purchases:0:0-15+1:0-10-retry2"

    record_run(instance, again, Status.SUCCESS)
    requests, cursor, skip = tick(instance, topic, cursor)
    assert requests == [] and skip == "no new offsets"
    assert IngestCursor.parse(cursor).batches == []


def test_a_batch_whose_run_is_gone_is_requested_again(instance: dg.DagsterInstance) -> None:
    topic = FakeTopic(ends={0: 10})
    (request,), cursor, _ = tick(instance, topic, None)
    # No run was recorded (deleted from the UI): the daemon creates a tick's runs before the
    # next tick, so the range is not lost but requested again.
    (again,), _, _ = tick(instance, topic, cursor)
    assert ranges(again) == ranges(request)
    assert again.run_key != request.run_key


def test_a_failed_run_waits_while_the_cap_is_reached() -> None:
    running = [Batch((offsets(0, i * 10, i * 10 + 10),)) for i in (1, 2)]
    failed = Batch((offsets(0, 0, 10),))
    cursor = IngestCursor(TOPIC, {0: 30}, [failed, *running])
    status = {failed.key: Status.FAILURE} | {b.key: Status.STARTED for b in running}
    held = plan_tick(cursor, TOPIC, {0: 40}, status, lambda p: 0)
    assert held.batch is None
    assert held.cursor.batches == [*running, failed]
    assert held.cursor.next == {0: 30}

    status[running[0].key] = Status.SUCCESS
    freed = plan_tick(held.cursor, TOPIC, {0: 40}, status, lambda p: 0)
    assert freed.batch is not None
    assert freed.batch.ranges == (offsets(0, 0, 10), offsets(0, 30, 40))
    assert freed.batch.attempt == 2


def test_a_backlog_is_handed_out_in_bounded_runs() -> None:
    tick_1 = plan_tick(IngestCursor(), TOPIC, {0: 250}, {}, lambda p: 0, max_range=100)
    assert tick_1.batch is not None and tick_1.batch.ranges == (offsets(0, 0, 100),)
    status = {tick_1.batch.key: Status.SUCCESS}
    tick_2 = plan_tick(tick_1.cursor, TOPIC, {0: 250}, status, lambda p: 0, max_range=100)
    assert tick_2.batch is not None and tick_2.batch.ranges == (offsets(0, 100, 200),)


def test_another_topic_starts_a_new_cursor() -> None:
    old = IngestCursor("old-topic", {0: 500}, [Batch((OffsetRange("old-topic", 0, 400, 500),))])
    result = plan_tick(old, TOPIC, {0: 8}, {}, lambda p: 3)
    assert result.batch is not None and result.batch.ranges == (offsets(0, 3, 8),)
    assert result.cursor.topic == TOPIC


def test_cursor_round_trip() -> None:
    cursor = IngestCursor(TOPIC, {0: 5, 2: 9}, [Batch((offsets(0, 1, 5), offsets(2, 3, 9)), 3)])
    assert IngestCursor.parse(cursor.dump()) == cursor
    assert IngestCursor.parse(None) == IngestCursor()


def test_ranges_merge_per_partition_when_they_touch() -> None:
    given = [offsets(1, 5, 8), offsets(0, 4, 6), offsets(0, 0, 4), offsets(1, 9, 10)]
    assert merge_ranges(given) == (offsets(0, 0, 6), offsets(1, 5, 8), offsets(1, 9, 10))


def test_the_sensor_ticks_at_live_latency_for_the_ingestion_job() -> None:
    assert purchases_kafka_sensor.minimum_interval_seconds == TICK_INTERVAL_S <= 5
    assert purchases_kafka_sensor.job_name == "ingest_purchases"
