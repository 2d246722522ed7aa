"""The dead-letter topic: a refused message, byte for byte, with headers that say why.

Every dead letter keeps the original key, value and headers and adds

* ``dlq-reason``: the field and what is wrong with it (``quantity: Input should be ...``),
* ``dlq-source-topic``, ``dlq-source-partition``, ``dlq-source-offset``: where it came from.

Delivery is at least once: dead letters are flushed before the batch's offsets are committed, so
a crash in between re-sends them on replay. Consumers of the topic can drop repeats by the source
partition and offset.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from confluent_kafka import KafkaError, Message, Producer

from shop_analytics.clients.kafka_produce import Headers, LocalQueueFull, produce_waiting

REASON_HEADER = "dlq-reason"
SOURCE_TOPIC_HEADER = "dlq-source-topic"
SOURCE_PARTITION_HEADER = "dlq-source-partition"
SOURCE_OFFSET_HEADER = "dlq-source-offset"


class DeadLetterError(RuntimeError):
    """Dead letters could not be delivered; the batch must not be committed."""


@dataclass(frozen=True)
class DeadLetter:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Headers
    reason: str

    @classmethod
    def of(cls, message: Message, reason: str) -> DeadLetter:
        return cls(
            topic=message.topic() or "",
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            key=message.key(),
            value=message.value(),
            headers=_header_list(message.headers()),
            reason=reason,
        )

    def kafka_headers(self) -> Headers:
        return [
            *self.headers,
            (REASON_HEADER, self.reason.encode()),
            (SOURCE_TOPIC_HEADER, self.topic.encode()),
            (SOURCE_PARTITION_HEADER, str(self.partition).encode()),
            (SOURCE_OFFSET_HEADER, str(self.offset).encode()),
        ]


class DeadLetterWriter:
    """Sends dead letters to ``topic`` and returns once the broker has acknowledged all of them."""

    def __init__(self, producer: Producer, topic: str, timeout_s: float = 60.0) -> None:
        self.producer = producer
        self.topic = topic
        self.timeout_s = timeout_s

    def send(self, letters: Sequence[DeadLetter]) -> None:
        pending = list(letters)
        deadline = time.monotonic() + self.timeout_s
        while pending:
            failed: list[DeadLetter] = []
            errors: list[KafkaError] = []
            for letter in pending:
                self._produce(letter, failed, errors, max(deadline - time.monotonic(), 0.1))
            # flush() serves delivery callbacks; what failed (broker down for longer than the
            # producer's delivery timeout) is sent again until our own deadline.
            self.producer.flush(max(deadline - time.monotonic(), 0.1))
            if len(self.producer):
                raise DeadLetterError(
                    f"{len(self.producer)} dead letters to {self.topic} still unacknowledged "
                    f"after {self.timeout_s:g} s"
                )
            if failed and time.monotonic() >= deadline:
                raise DeadLetterError(
                    f"{len(failed)} dead letters to {self.topic} failed: {errors[0].str()}"
                )
            pending = failed

    def _produce(
        self,
        letter: DeadLetter,
        failed: list[DeadLetter],
        errors: list[KafkaError],
        max_wait_s: float,
    ) -> None:
        def delivered(error: KafkaError | None, _message: Message) -> None:
            if error is not None:
                failed.append(letter)
                errors.append(error)

        try:
            produce_waiting(
                self.producer,
                self.topic,
                letter.value,
                key=letter.key,
                headers=letter.kafka_headers(),
                on_delivery=delivered,
                max_wait_s=max_wait_s,
            )
        except LocalQueueFull as exc:
            raise DeadLetterError(f"dead letters to {self.topic}: {exc}") from exc


def _header_list(headers: Headers | dict[str, str | bytes | None] | None) -> Headers:
    if headers is None:
        return []
    return list(headers.items()) if isinstance(headers, dict) else list(headers)
