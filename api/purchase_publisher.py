"""One long-lived Kafka producer per worker process, and waiting for its acknowledgements.

A producer per request would open broker connections and fetch metadata every time; one
producer shared by the threads of a process batches concurrent purchases into the same
requests. A background thread serves delivery callbacks (`poll`), so a request thread only
waits on the futures of its own messages.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import partial

from confluent_kafka import KafkaError, Message, Producer

from api.errors import BackendUnavailable
from shop_analytics.clients import KafkaClient
from shop_analytics.clients.kafka_produce import LocalQueueFull, produce_waiting
from shop_analytics.contracts import SCHEMA_VERSION_HEADER
from shop_analytics.schema_registry.schema_ids import RegistryUnavailable

# How long produce() may wait for room in librdkafka's local queue before giving up.
_QUEUE_FULL_WAIT_S = 1.0


class PurchasePublisher:
    """Publishes purchase messages to the purchases topic; `publish` returns once acknowledged."""

    def __init__(self, kafka: KafkaClient, timeout_s: float, linger_ms: float = 0.0) -> None:
        self._kafka = kafka
        self._timeout_s = timeout_s
        self._linger_ms = linger_ms
        self._lock = threading.Lock()
        self._producer: Producer | None = None
        self._pid = 0
        self._running = True
        # Plain JSON or the wire format, as KAFKA_PURCHASE_FORMAT says; the message itself is
        # the canonical JSON either way (its hash is the idempotency check).
        self._serialize = kafka.purchase_serializer()

    @property
    def timeout_s(self) -> float:
        """The longest `publish` waits for acknowledgements."""
        return self._timeout_s + 1

    @property
    def topic(self) -> str:
        return self._kafka.purchases_topic

    def _get_producer(self) -> Producer:
        # Created on first use in each process: the server may fork workers, and a librdkafka client
        # does not survive a fork.
        if self._producer is not None and self._pid == os.getpid():
            return self._producer
        with self._lock:
            if self._producer is None or self._pid != os.getpid():
                self._producer = self._kafka.producer(
                    **{
                        # Delivery fails (and the request answers 503) after the API's timeout,
                        # not librdkafka's 5 minutes.
                        "message.timeout.ms": int(self._timeout_s * 1000),
                        # No linger: every request waits for its acknowledgement, so lingering
                        # only keeps threads waiting (measured: 2 ms cut single purchases/s by a
                        # third). Purchases queued while a produce request is in flight still
                        # leave together in the next one.
                        "linger.ms": self._linger_ms,
                        "log_level": 3,
                    }
                )
                self._pid = os.getpid()
                threading.Thread(
                    target=self._serve_callbacks,
                    args=(self._producer,),
                    name="kafka-delivery",
                    daemon=True,
                ).start()
            return self._producer

    def _serve_callbacks(self, producer: Producer) -> None:
        while self._running:
            producer.poll(0.05)

    def publish(self, messages: Sequence[tuple[bytes, bytes, str]]) -> list[str | None]:
        """Send `(key, canonical message, schema_version)` triples; wait for all of them at once.

        Returns one entry per message: None when the broker acknowledged it, else the reason.
        Raises BackendUnavailable when none could be delivered (the cluster is unreachable).
        """
        producer = self._get_producer()
        try:
            values = [self._serialize(value, version) for _key, value, version in messages]
        except RegistryUnavailable as exc:
            raise BackendUnavailable("Schema Registry", str(exc)) from exc
        deliveries = _Deliveries(len(messages))
        for index, ((key, _, version), value) in enumerate(zip(messages, values, strict=True)):
            self._produce(producer, key, value, version, partial(deliveries.done, index))
        deliveries.wait(self.timeout_s)
        outcomes = deliveries.outcomes
        if outcomes and all(outcome is not None for outcome in outcomes):
            raise BackendUnavailable("Kafka", str(outcomes[0]))
        return outcomes

    def _produce(
        self,
        producer: Producer,
        key: bytes,
        value: bytes,
        version: str,
        done: partial[None],
    ) -> None:
        try:
            produce_waiting(
                producer,
                self.topic,
                value,
                key=key,
                headers=[(SCHEMA_VERSION_HEADER, version.encode())],
                on_delivery=done,
                # The broker is slow or away: wait for room briefly, then answer 503.
                max_wait_s=_QUEUE_FULL_WAIT_S,
            )
        except LocalQueueFull:
            done("the local Kafka queue is full", None)

    def close(self) -> None:
        self._running = False
        if self._producer is not None and self._pid == os.getpid():
            self._producer.flush(self._timeout_s)
        # Dropping the last reference destroys the client; kept, its threads would go on
        # reconnecting to a cluster this process is done with.
        self._producer = None


class _Deliveries:
    """The acknowledgements of one request's messages (a Future each costs more than a send)."""

    def __init__(self, count: int) -> None:
        self.outcomes: list[str | None] = ["no acknowledgement from Kafka in time"] * count
        self._remaining = count
        self._lock = threading.Lock()
        self._all_done = threading.Event()
        if count == 0:
            self._all_done.set()

    def done(self, index: int, error: KafkaError | str | None, _message: Message | None) -> None:
        reason = error if isinstance(error, str) or error is None else error.str()
        with self._lock:
            self.outcomes[index] = reason
            self._remaining -= 1
            if self._remaining == 0:
                self._all_done.set()

    def wait(self, timeout_s: float) -> None:
        self._all_done.wait(timeout_s)
