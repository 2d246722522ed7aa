"""Handing a message to a producer when its local queue may be full.

librdkafka queues messages in the process until the broker acknowledges them; when that queue
is full `produce` raises BufferError at once. Serving delivery reports (`poll`) is what makes
room, so every producer of the platform waits that way, and for a bounded time: a broker that
stays away must turn into an error the caller reports, not a loop that never ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeAlias

from confluent_kafka import Producer

POLL_S = 0.05

Headers: TypeAlias = list[tuple[str, str | bytes | None]]


class LocalQueueFull(BufferError):
    """The producer's local queue stayed full for the whole wait."""


def produce_waiting(
    producer: Producer,
    topic: str,
    value: bytes | None,
    *,
    max_wait_s: float,
    key: bytes | None = None,
    headers: Headers | None = None,
    on_delivery: Callable[[Any, Any], None] | None = None,
) -> None:
    """`producer.produce(...)`, serving deliveries while the local queue is full; raises
    `LocalQueueFull` when there is still no room after ``max_wait_s`` seconds."""
    deadline: float | None = None
    while True:
        try:
            producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
            return
        except BufferError:
            now = time.monotonic()
            if deadline is None:
                deadline = now + max_wait_s  # the clock starts only when the queue is full
            elif now >= deadline:
                raise LocalQueueFull(
                    f"the local Kafka queue stayed full for {max_wait_s:g} s"
                ) from None
            producer.poll(POLL_S)
