"""Producing into a full local queue waits for room, for a bounded time (no broker needed)."""

from __future__ import annotations

import time

import pytest
from confluent_kafka import Producer

from shop_analytics.clients.kafka_produce import LocalQueueFull, produce_waiting

# Nothing listens on port 1: queued messages never leave, so the queue stays full until their
# delivery times out.
NO_BROKER = "127.0.0.1:1"


def one_message_producer(message_timeout_ms: int) -> Producer:
    return Producer(
        {
            "bootstrap.servers": NO_BROKER,
            "queue.buffering.max.messages": 1,
            "message.timeout.ms": message_timeout_ms,
            "log_level": 0,
        }
    )


def test_a_queue_that_stays_full_is_an_error_after_the_wait() -> None:
    producer = one_message_producer(600_000)
    produce_waiting(producer, "t", b"first", max_wait_s=1)
    started = time.monotonic()
    with pytest.raises(LocalQueueFull, match=r"stayed full for 0\.3 s"):
        produce_waiting(producer, "t", b"second", max_wait_s=0.3)
    assert time.monotonic() - started >= 0.3
    producer.purge()


def test_room_made_by_served_deliveries_lets_the_message_in() -> None:
    failed: list[object] = []
    producer = one_message_producer(200)  # the first message fails fast, which frees its place
    produce_waiting(
        producer, "t", b"first", max_wait_s=1, on_delivery=lambda e, m: failed.append(e)
    )
    produce_waiting(producer, "t", b"second", max_wait_s=120)
    assert len(failed) == 1 and failed[0] is not None, "the wait served the first delivery report"
    producer.purge()
