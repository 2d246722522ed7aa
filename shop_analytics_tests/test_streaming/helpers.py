"""Topics, purchases and processes for the streaming tests (and bench/stream.py)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from shop_analytics import settings as settings_module
from shop_analytics.clients.kafka_produce import produce_waiting
from shop_analytics.local.kafka_cluster import replication_for
from shop_analytics.resources import build_resources
from shop_analytics.settings import Settings
from shop_analytics.tables.registry import provision

PARTITIONS = 3
# A three-broker cluster beside a stack sits this far above its port base: clear of the stack's
# offsets (92-800) and of a second stack at base + 1000 (the cluster uses base + 592..597).
CLUSTER_PORT_SHIFT = 500


@dataclass(frozen=True)
class StreamPlace:
    """A private topic pair, chDB directory and lake root, so tests never share state."""

    settings: Settings
    topic: str
    chdb_dir: Path
    lake_root: str

    @property
    def dlq(self) -> str:
        return f"{self.topic}.dlq"

    @property
    def bootstrap(self) -> str:
        return self.settings.kafka_bootstrap_servers

    def environment(self) -> dict[str, str]:
        return {
            **self.settings.as_environment(),
            "KAFKA_PURCHASES_TOPIC": self.topic,
            "KAFKA_DEAD_LETTER_TOPIC": self.dlq,
            "CLICKHOUSE_DSN": f"chdb://{self.chdb_dir}",
            "LAKE_ROOT": self.lake_root,
        }

    def resources(self) -> dict[str, Any]:
        return build_resources(self.environment().__getitem__)


def cluster_beside(settings: Settings, home: Path) -> Settings:
    """Settings for a three-broker Kafka of its own under ``home`` (started by `up`), with every
    other system the one of ``settings`` (external to it, so `up` and `down` leave them be)."""
    env = {k: v for k, v in settings.as_environment().items() if k != "KAFKA_BOOTSTRAP_SERVERS"}
    env |= {
        "SHOP_ANALYTICS_HOME": str(home),
        "SHOP_ANALYTICS_PORT_BASE": str(settings.port_base + CLUSTER_PORT_SHIFT),
        "KAFKA_CLUSTER_SIZE": "3",
    }
    cluster = settings_module.load(env)
    assert cluster.is_embedded("kafka") and not cluster.is_embedded("postgres")
    return cluster


def new_place(settings: Settings, tmp_path: Path, partitions: int = PARTITIONS) -> StreamPlace:
    name = f"purchases-test-{uuid.uuid4().hex[:10]}"
    place = StreamPlace(
        settings,
        topic=name,
        chdb_dir=tmp_path / "clickhouse",
        lake_root=f"s3://{settings.lake_bucket}/tests/{name}",
    )
    # Replicated as `shop-analytics up` replicates the stack's own topics on this cluster.
    replication = replication_for(settings.kafka_cluster_size)
    admin = AdminClient({"bootstrap.servers": place.bootstrap})
    futures = admin.create_topics(
        [
            NewTopic(name, partitions, replication.factor, config=replication.topic_config())
            for name in (place.topic, place.dlq)
        ]
    )
    for future in futures.values():
        future.result(timeout=30)
    # Its tables, as `shop-analytics up` creates the stack's: nothing creates them on first use.
    provision(place.resources())
    return place


def purchase(rng: random.Random, **changes: Any) -> dict[str, Any]:
    day = rng.randrange(3)
    message = {
        "purchase_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "product_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "quantity": rng.randint(1, 5),
        "price": round(rng.uniform(0.5, 500), 2),
        "timestamp": f"2025-04-0{6 + day}T{rng.randrange(24):02d}:{rng.randrange(60):02d}:00Z",
    }
    message.update(changes)
    return message


def purchases(count: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [purchase(rng) for _ in range(count)]


def produce(
    bootstrap: str,
    topic: str,
    messages: Iterable[bytes | dict[str, Any]],
    headers: list[tuple[str, bytes]] | None = None,
    rate_per_s: float | None = None,
) -> int:
    """Send ``messages`` keyed by nothing (spread over partitions); waits for every ack."""
    producer = Producer(
        {
            "bootstrap.servers": bootstrap,
            "enable.idempotence": True,
            "linger.ms": 20,
            "batch.size": 1_000_000,
            "message.timeout.ms": 300_000,
        }
    )
    sent = 0
    started = time.monotonic()
    for message in messages:
        value = message if isinstance(message, bytes) else orjson.dumps(message)
        produce_waiting(producer, topic, value, headers=headers, max_wait_s=300)
        sent += 1
        if rate_per_s and sent % 100 == 0:
            ahead = sent / rate_per_s - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
            producer.poll(0)
    remaining = producer.flush(300)
    assert remaining == 0, f"{remaining} messages were not acknowledged"
    return sent


def end_offsets(bootstrap: str, topic: str, partitions: int = PARTITIONS) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "offsets-probe"})
    try:
        return {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in range(partitions)
        }
    finally:
        consumer.close()


def committed(
    bootstrap: str, group: str, topic: str, partitions: int = PARTITIONS
) -> dict[int, int]:
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": group})
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                found = consumer.committed(
                    [TopicPartition(topic, p) for p in range(partitions)], timeout=10
                )
                return {tp.partition: max(tp.offset, 0) for tp in found}
            except KafkaException:
                # Right after a broker restart the group coordinator is still loading.
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
    finally:
        consumer.close()


def read_all(bootstrap: str, topic: str, expected: int, timeout_s: float = 60) -> list[Any]:
    """Every message of ``topic`` (at least ``expected`` of them) from the beginning."""
    consumer = Consumer(
        {
            "bootstrap.servers": bootstrap,
            "group.id": f"reader-{uuid.uuid4().hex}",
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )
    consumer.subscribe([topic])
    found: list[Any] = []
    deadline = time.monotonic() + timeout_s
    try:
        while len(found) < expected and time.monotonic() < deadline:
            found += [m for m in consumer.consume(10_000, 1.0) if m.error() is None]
        return found
    finally:
        consumer.close()


def start_stream(
    place: StreamPlace, *args: str, log: Path, extra_env: Mapping[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`shop-analytics stream` in a child process, its output appended to ``log``."""
    env = {**os.environ, **place.environment(), **(extra_env or {})}
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "shop_analytics.cli", "stream", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_until_committed(
    place: StreamPlace, group: str, timeout_s: float, alive: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once ``group`` has committed every message of the topic; fail on timeout."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            raise AssertionError(f"stream exited early with code {alive.returncode}")
        if committed(place.bootstrap, group, place.topic) == end_offsets(
            place.bootstrap, place.topic
        ):
            return
        time.sleep(0.5)
    raise AssertionError(f"group {group} did not commit the whole topic within {timeout_s} s")
