"""The Kafka sensor over a real topic: ranges without gaps or overlaps, failed ranges again."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import dagster as dg
import pytest
from confluent_kafka.admin import NewTopic

from shop_analytics.cli.demo import plain_resources
from shop_analytics.definitions import ASSETS_AND_CHECKS
from shop_analytics.defs.ingest.sensor import RANGE_TAG, OffsetCursor, purchases_kafka_sensor
from shop_analytics.resources import ClickHouseResource, KafkaResource
from shop_analytics.seed import DemoSpec, generate_demo_data
from shop_analytics.seed.stream import send_purchases
from shop_analytics.settings import Settings

PARTITIONS = 2


@pytest.fixture
def topic_kafka(stack: Settings) -> Iterator[KafkaResource]:
    kafka: KafkaResource = plain_resources(stack)["kafka"]
    topic = f"purchases-sensor-{uuid.uuid4().hex[:8]}"
    admin = kafka.admin()
    admin.create_topics([NewTopic(topic, PARTITIONS, 1)])[topic].result(30)
    yield KafkaResource(
        bootstrap_servers=kafka.bootstrap_servers,
        purchases_topic=topic,
        dead_letter_topic=kafka.dead_letter_topic,
    )
    admin.delete_topics([topic])[topic].result(30)


def _send(kafka: KafkaResource, count: int, seed: int) -> None:
    data = generate_demo_data(DemoSpec(clients=20, products=10, purchases=count, seed=seed))
    send_purchases(kafka, data.purchases, progress=False)


def _tick(
    kafka: KafkaResource, instance: dg.DagsterInstance, cursor: str | None
) -> tuple[list[dg.RunRequest], str]:
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources={"kafka": kafka})
    result = purchases_kafka_sensor(context)
    assert isinstance(result, dg.SensorResult) and result.cursor is not None
    return list(result.run_requests or []), result.cursor


def _ranges(requests: list[dg.RunRequest]) -> list[tuple[int, int, int]]:
    out = []
    for request in requests:
        (offsets,) = request.run_config["ops"]["purchases_ingest"]["config"]["ranges"]
        out.append((offsets["partition"], offsets["start_offset"], offsets["end_offset"]))
        key = f"{offsets['topic']}-{offsets['partition']}-{offsets['start_offset']}-"
        assert request.tags[RANGE_TAG] == key + str(offsets["end_offset"])
    return sorted(out)


def _run_range(
    request: dg.RunRequest, instance: dg.DagsterInstance, resources: dict[str, object]
) -> bool:
    result = dg.materialize(
        ASSETS_AND_CHECKS, selection=["raw_purchases", "purchases"], run_config=request.run_config,
        tags=request.tags, instance=instance, resources=resources, raise_on_error=False,
    )  # fmt: skip
    return result.success


def test_two_ticks_cover_the_offsets_without_gap_or_overlap(topic_kafka: KafkaResource) -> None:
    instance = dg.DagsterInstance.ephemeral()
    _send(topic_kafka, 40, seed=1)
    first, cursor = _tick(topic_kafka, instance, None)
    ends_1 = topic_kafka.end_offsets(topic_kafka.purchases_topic)
    _send(topic_kafka, 30, seed=2)
    second, cursor = _tick(topic_kafka, instance, cursor)
    ends_2 = topic_kafka.end_offsets(topic_kafka.purchases_topic)

    assert _ranges(first) == [(p, 0, ends_1[p]) for p in range(PARTITIONS) if ends_1[p]]
    assert _ranges(second) == [
        (p, ends_1[p], ends_2[p]) for p in range(PARTITIONS) if ends_2[p] > ends_1[p]
    ]
    assert sum(e - s for _, s, e in _ranges(first) + _ranges(second)) == 70
    # Nothing ran yet: every range stays in the cursor, and no offset was written through.
    state = OffsetCursor.parse(cursor)
    assert len(state.pending) == len(first) + len(second)
    assert all(state.written_through(p) == 0 for p in range(PARTITIONS) if ends_1[p])
    third, _ = _tick(topic_kafka, instance, cursor)
    assert third == []  # no new offsets, runs still in flight: nothing requested twice


def test_a_failed_run_is_requested_again_and_a_successful_one_is_done(
    stack: Settings, topic_kafka: KafkaResource
) -> None:
    instance = dg.DagsterInstance.ephemeral()
    resources = {**plain_resources(stack), "kafka": topic_kafka}
    _send(topic_kafka, 40, seed=3)
    requests, cursor = _tick(topic_kafka, instance, None)
    assert len(requests) == PARTITIONS
    failing, succeeding = requests

    # A real failure: ClickHouse unreachable (nothing listens on the discard port).
    broken = {**resources, "clickhouse": ClickHouseResource(dsn="http://127.0.0.1:9/")}
    assert not _run_range(failing, instance, broken)
    assert _run_range(succeeding, instance, resources)

    retry, cursor = _tick(topic_kafka, instance, cursor)
    assert [r.run_key for r in retry] == [f"{failing.run_key}-retry1"]
    assert retry[0].run_config == failing.run_config
    state = OffsetCursor.parse(cursor)
    assert [p.key for p in state.pending] == [failing.tags[RANGE_TAG]]

    assert _run_range(retry[0], instance, resources)
    after, cursor = _tick(topic_kafka, instance, cursor)
    assert after == []
    assert OffsetCursor.parse(cursor).pending == []
