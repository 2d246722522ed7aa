"""A broker of the three-node cluster killed while purchases are POSTed and streamed.

The cluster (KAFKA_CLUSTER_SIZE=3, topics with replication factor 3 and min.insync.replicas=2)
runs on a home and port base of its own, beside the session's stack, whose PostgreSQL (the
API's idempotency claims) and S3 (the lake) it uses. The API runs in-process on Flask's test
client with the producer every deployment uses (acks=all, idempotent); the ingestor is the real
`shop-analytics stream` process. One broker (the stream's group coordinator) gets SIGKILL while
clients are posting; posting goes on with two brokers, then the killed node starts again while
the last purchases are posted. A 503 is the API's documented answer while a partition has no
leader yet: the clients retry it with the same body, as a user would, and the test counts them.
Every phase ends on a state (so many purchases accepted, the node answering, every offset
committed), never on a sleep, and every wait is bounded.
"""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from confluent_kafka.admin import AdminClient
from flask import Flask

from api.app import create_app
from shop_analytics.local import stack as local_stack
from shop_analytics.local.kafka import KafkaService
from shop_analytics.local.kafka_cluster import replication_for
from shop_analytics.local.process import wait_until
from shop_analytics.settings import Settings
from shop_analytics.streaming import RAW_PURCHASES_TABLE
from shop_analytics_tests.homes import test_home
from shop_analytics_tests.test_api.conftest import AUTH, api_config
from shop_analytics_tests.test_streaming import helpers as h

CLIENTS = 3
# Purchases posted before the kill / while the node is down / while it comes back.
PHASES = (600, 1200, 600)
# A client gives one purchase this long to be accepted, retries included.
PER_PURCHASE_S = 120.0


@pytest.fixture(scope="module")
def cluster(stack: Settings) -> Iterator[Settings]:
    """A three-broker Kafka on its own home and ports; every other system is the session's."""
    settings = h.cluster_beside(stack, test_home("test-kafka-cluster"))
    local_stack.up(settings)
    try:
        yield settings
    finally:
        local_stack.down(settings)


@dataclass
class Posting:
    """Clients posting purchases in order through a gate; 503s are retried and counted."""

    app: Flask
    bodies: list[dict[str, Any]]
    open_up_to: int = 0
    accepted: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    _next: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self._changed = threading.Condition(self._lock)

    def open(self, up_to: int) -> None:
        with self._changed:
            self.open_up_to = up_to
            self._changed.notify_all()

    def wait_accepted(self, count: int, timeout_s: float) -> None:
        with self._changed:
            done = self._changed.wait_for(
                lambda: self.accepted >= count or bool(self.failures), timeout_s
            )
        assert not self.failures, self.failures[:5]
        assert done, f"{self.accepted} of {count} purchases accepted within {timeout_s:.0f} s"

    def _take(self) -> dict[str, Any] | None:
        with self._changed:
            self._changed.wait_for(
                lambda: self._next < self.open_up_to or self._next >= len(self.bodies)
            )
            if self._next >= len(self.bodies) or self.failures:
                return None
            body = self.bodies[self._next]
            self._next += 1
            return body

    def client(self) -> None:
        http = self.app.test_client()
        while (body := self._take()) is not None:
            deadline = time.monotonic() + PER_PURCHASE_S
            while True:
                response = http.post("/api/purchases", json=body, headers=AUTH)
                with self._changed:
                    self.statuses[response.status_code] += 1
                if response.status_code != 503 or time.monotonic() > deadline:
                    break
                # As a user would: wait as told, then send the same purchase again.
                time.sleep(float(response.headers["Retry-After"]))
            with self._changed:
                if response.status_code == 200:
                    self.accepted += 1
                else:
                    self.failures.append(f"{response.status_code}: {response.get_data(True)}")
                self._changed.notify_all()

    def stop(self) -> None:
        with self._changed:
            self.failures.append("stopped")
            self._next = len(self.bodies)
            self._changed.notify_all()


def replica_counts(place: h.StreamPlace) -> set[int]:
    """How many replicas the partitions of the topic have (once every broker knows it)."""
    admin = AdminClient({"bootstrap.servers": place.bootstrap, "log_level": 5})
    deadline = time.monotonic() + 30
    while (topic := admin.list_topics(timeout=10).topics.get(place.topic)) is None:
        assert time.monotonic() < deadline, f"{place.topic} not in the metadata after 30 s"
        time.sleep(0.2)
    return {len(partition.replicas) for partition in topic.partitions.values()}


def group_coordinator(bootstrap: str, group: str) -> int:
    admin = AdminClient({"bootstrap.servers": bootstrap, "log_level": 5})
    (future,) = admin.describe_consumer_groups([group], request_timeout=10).values()
    return int(future.result().coordinator.id)


def committed(place: h.StreamPlace, group: str) -> int:
    return sum(h.committed(place.bootstrap, group, place.topic).values())


def wait_for(what: str, predicate: Any, timeout_s: float, alive: Any) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert alive.poll() is None, f"stream exited with {alive.returncode} waiting for {what}"
        assert time.monotonic() < deadline, f"no {what} within {timeout_s:.0f} s"
        time.sleep(0.2)


def test_a_broker_killed_while_purchases_are_posted_and_streamed(
    cluster: Settings, tmp_path: Path
) -> None:
    kafka = KafkaService(cluster)
    place = h.new_place(cluster, tmp_path)
    group = f"failover-{place.topic}"
    log = tmp_path / "stream.log"
    replication = replication_for(cluster.kafka_cluster_size)
    assert replica_counts(place) == {replication.factor}

    app = create_app(api_config(retry_after_s=1), place.resources())
    # New ids on every run: the API keeps its idempotency claims in the session's PostgreSQL,
    # and answers a purchase id it has published before (to another topic) without publishing.
    bodies = h.purchases(sum(PHASES), seed=random.randrange(2**32))
    posting = Posting(app, bodies)
    clients = [threading.Thread(target=posting.client, daemon=True) for _ in range(CLIENTS)]
    stream = h.start_stream(
        place, "--group-id", group, "--instance-id", "stream-1", "--max-batch", "500",
        "--log-interval", "1", log=log,
    )  # fmt: skip
    try:
        for client in clients:
            client.start()
        before_kill, while_down, _ = PHASES
        posting.open(before_kill + while_down)
        # The stream has joined its group and written something before the kill.
        wait_for("first commit", lambda: committed(place, group) > 0, 180, stream)
        posting.wait_accepted(before_kill // 2, timeout_s=180)

        victim = kafka.cluster.nodes[group_coordinator(place.bootstrap, group) - 1]
        pid = victim.process.pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        accepted_at_kill = posting.accepted
        assert accepted_at_kill < before_kill + while_down, "the kill lands while clients post"
        # SIGKILL is delivered asynchronously: wait for the process to be gone.
        assert wait_until(lambda: victim.process.pid() is None, timeout=30)
        assert not kafka.status().running

        # Two brokers of three still take every write (min.insync.replicas=2).
        posting.wait_accepted(before_kill + while_down, timeout_s=300)
        assert stream.poll() is None, log.read_text()[-3000:]

        posting.open(len(bodies))
        kafka.start()  # starts the one node that is not running and waits until it answers
        assert kafka.status().running
        posting.wait_accepted(len(bodies), timeout_s=300)
        for client in clients:
            client.join(timeout=60)

        h.wait_until_committed(place, group, timeout_s=300, alive=stream)
        stream.send_signal(signal.SIGTERM)
        assert stream.wait(timeout=60) == 0
    finally:
        posting.stop()
        stream.kill()
        app.extensions["shop_analytics_api"].close()

    statuses = dict(posting.statuses)
    print(f"killed node {victim.node_id} after {accepted_at_kill} purchases; answers {statuses}")
    assert set(statuses) <= {200, 503}, statuses
    check_sinks(place, {body["purchase_id"] for body in bodies}, retried=statuses.get(503, 0))


def check_sinks(place: h.StreamPlace, wanted: set[str], retried: int) -> None:
    """ClickHouse FINAL holds each purchase once; the lake holds each Kafka record once.

    A 503 after the message timed out in the producer does not say the broker never wrote it:
    the record may have reached the new leader just before the timeout. The retried purchase is
    then in the topic twice, at two offsets, and the lake (idempotent per offset, not per
    purchase_id) keeps both; FINAL collapses them in ClickHouse. Those, and only those, are
    allowed as doubles in the lake, and there are at most as many as 503s.
    """
    r = place.resources()
    with r["clickhouse"].session() as client:
        final = client.query("SELECT toString(purchase_id) FROM purchases FINAL").result_rows
    ids = Counter(pid for (pid,) in final)
    assert not [pid for pid, n in ids.items() if n > 1], "duplicated purchase_ids under FINAL"
    assert set(ids) == wanted, f"{len(wanted - set(ids))} missing in ClickHouse"

    records = h.read_all(place.bootstrap, place.topic, expected=len(wanted))
    in_topic = Counter(orjson.loads(m.value())["purchase_id"] for m in records)
    republished = {pid for pid, n in in_topic.items() if n > 1}
    lake = r["lake"].read(RAW_PURCHASES_TABLE, columns=["purchase_id", "_partition", "_offset"])
    positions = list(zip(lake["_partition"].to_pylist(), lake["_offset"].to_pylist(), strict=True))
    assert len(positions) == len(set(positions)), "a Kafka record twice in the lake"
    lake_ids = Counter(lake["purchase_id"].to_pylist())
    doubled = {pid for pid, n in lake_ids.items() if n > 1}
    assert set(lake_ids) == wanted, f"the lake lost {len(wanted - set(lake_ids))} purchases"
    assert doubled <= republished and len(republished) <= retried, (doubled, republished)
    print(f"published twice after a 503 (kept twice in the lake): {len(republished)}")
