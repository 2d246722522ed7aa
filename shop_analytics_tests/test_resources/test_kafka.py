"""KafkaResource against the real local broker (Apache Kafka 4, KRaft): no mocks."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import KafkaError
from confluent_kafka.admin import NewTopic

from shop_analytics.local.kafka import KafkaService
from shop_analytics.resources.kafka import KafkaResource, KafkaUnreachableError
from shop_analytics.settings import Settings


@pytest.fixture
def kafka(stack: Settings) -> KafkaResource:
    return KafkaResource(
        bootstrap_servers=stack.kafka_bootstrap_servers,
        purchases_topic=stack.purchases_topic,
        dead_letter_topic=stack.dead_letter_topic,
    )


@pytest.fixture
def scratch_topic(kafka: KafkaResource) -> Iterator[str]:
    """A topic of this test's own, so that no stray message reaches the purchases ingestor."""
    name = f"test-roundtrip-{uuid.uuid4().hex[:8]}"
    admin = kafka.admin()
    admin.create_topics([NewTopic(name, 1, 1)])[name].result(timeout=30)
    yield name
    admin.delete_topics([name])[name].result(timeout=30)


def test_message_with_key_and_headers_comes_back_intact(
    kafka: KafkaResource, scratch_topic: str
) -> None:
    value = '{"purchase_id": "5b0c9ae0-…", "price": 19.99}'.encode()
    headers: list[tuple[str, str | bytes | None]] = [
        ("schema", b"purchase.v1"),
        ("source", b"api"),
        ("source", b"retry"),
    ]
    delivered: list[KafkaError | None] = []

    producer = kafka.producer()
    producer.produce(
        scratch_topic,
        key=b"client-42",
        value=value,
        headers=headers,
        on_delivery=lambda err, _msg: delivered.append(err),
    )
    assert producer.flush(30) == 0
    assert delivered == [None]
    assert kafka.end_offsets(scratch_topic) == {0: 1}

    consumer = kafka.consumer(f"test-{uuid.uuid4().hex[:8]}")
    try:
        consumer.subscribe([scratch_topic])
        message = None
        deadline = time.monotonic() + 30
        while message is None and time.monotonic() < deadline:
            message = consumer.poll(0.5)
        assert message is not None, "nothing consumed within 30 s"
        assert message.error() is None
        assert message.key() == b"client-42"
        assert message.value() == value
        # Order and repeated header names are part of the record, and survive.
        assert message.headers() == headers
        assert (message.partition(), message.offset()) == (0, 0)
    finally:
        consumer.close()


def test_provisioned_topics_have_the_configured_partitions(
    stack: Settings, kafka: KafkaResource
) -> None:
    KafkaService(stack).provision()  # a second provision changes nothing
    topics = kafka.ensure_reachable().topics
    for name in (stack.purchases_topic, stack.dead_letter_topic):
        assert name in topics
        assert len(topics[name].partitions) == stack.topic_partitions
    assert set(kafka.end_offsets(stack.purchases_topic)) == set(range(stack.topic_partitions))


def test_unreachable_cluster_fails_clearly_within_the_timeout() -> None:
    with socket.socket() as sock:  # a port nothing listens on: bound, never listened, closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kafka = KafkaResource(bootstrap_servers=f"127.0.0.1:{port}")

    started = time.monotonic()
    with pytest.raises(KafkaUnreachableError, match=rf"127\.0\.0\.1:{port}.*Connection refused"):
        kafka.ensure_reachable(timeout=2)
    assert time.monotonic() - started < 5
