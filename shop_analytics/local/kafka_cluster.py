"""The embedded Kafka's shape: its nodes, what they share, and how topics are replicated.

``KAFKA_CLUSTER_SIZE=1`` (the default) is one node under ``home/kafka``, the quickest to start;
3 is a cluster of three nodes under ``home/kafka-cluster/node-N``, each a broker and a voter of
the KRaft controller quorum, so that any one of them can die while the other two keep electing
leaders and accepting writes. Both keep their own folders: a cluster never reads storage that
was formatted for the single node's quorum, or the other way round.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from pathlib import Path

from shop_analytics.local.kafka_node import KafkaNode
from shop_analytics.local.process import ManagedProcess
from shop_analytics.settings import (
    MAX_KAFKA_CLUSTER_SIZE,
    Settings,
    kafka_controller_port_name,
    kafka_port_name,
)


@dataclass(frozen=True)
class Replication:
    """How many copies of each partition, and how many must have a write before it is acked."""

    factor: int
    min_insync: int

    def topic_config(self) -> dict[str, str]:
        return {"min.insync.replicas": str(self.min_insync)}


def replication_for(brokers: int) -> Replication:
    """Three copies when there are three brokers, and a write needs two of them: with acks=all
    a message survives the loss of any one broker, and the cluster still takes writes while one
    is down. Fewer brokers keep one copy per broker and accept a write on any one of them."""
    factor = min(brokers, 3)
    return Replication(factor=factor, min_insync=2 if factor == 3 else 1)


@dataclass(frozen=True)
class KafkaCluster:
    settings: Settings

    @property
    def size(self) -> int:
        return self.settings.kafka_cluster_size

    @property
    def root(self) -> Path:
        return self.settings.home / ("kafka" if self.size == 1 else "kafka-cluster")

    @property
    def replication(self) -> Replication:
        return replication_for(self.size)

    @property
    def nodes(self) -> list[KafkaNode]:
        return [self._node(node_id) for node_id in range(1, self.size + 1)]

    @property
    def bootstrap(self) -> str:
        return ",".join(node.address for node in self.nodes)

    def every_process(self) -> list[ManagedProcess]:
        """The processes of either shape, so that `down` also stops what another
        KAFKA_CLUSTER_SIZE started on this home."""
        run_dir = self.settings.home / "run"
        return [ManagedProcess("kafka", run_dir)] + [
            ManagedProcess(f"kafka-{n}", run_dir) for n in range(1, MAX_KAFKA_CLUSTER_SIZE + 1)
        ]

    def cluster_id(self) -> str:
        """The id the nodes were formatted with, or a new one if none was formatted yet."""
        for node in self.nodes:
            if (found := node.formatted_cluster_id()) is not None:
                return found
        return _new_cluster_id()

    def shared_properties(self) -> dict[str, object]:
        replication = self.replication
        return {
            "process.roles": "broker,controller",
            # A static voter set rather than `format --standalone`: the dynamic quorum records
            # the controllers' addresses in the log, which would go stale if the port base moved.
            "controller.quorum.voters": ",".join(node.voter for node in self.nodes),
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "num.partitions": self.settings.topic_partitions,
            # Internal topics are replicated like the project's own topics.
            "default.replication.factor": replication.factor,
            "min.insync.replicas": replication.min_insync,
            "offsets.topic.replication.factor": replication.factor,
            "transaction.state.log.replication.factor": replication.factor,
            "transaction.state.log.min.isr": replication.min_insync,
            "share.coordinator.state.topic.replication.factor": replication.factor,
            "share.coordinator.state.topic.min.isr": replication.min_insync,
            # 50 partitions each by default: a first consumer group would wait for all of them.
            "offsets.topic.num.partitions": 3,
            "transaction.state.log.num.partitions": 3,
            # Tests and the ingestor join groups often; the 3 s default delay is pure waiting.
            "group.initial.rebalance.delay.ms": 0,
            # Topics are provisioned on purpose; a typo in a topic name must fail, not create one.
            "auto.create.topics.enable": "false",
            # Sized for 2 cores; the defaults (3 network, 8 I/O threads) suit a real server.
            "num.network.threads": 2,
            "num.io.threads": 4,
            # The log cleaner allocates this buffer on the heap at startup (128 MB by default).
            "log.cleaner.dedupe.buffer.size": 16 * 1024 * 1024,
            **(self._failover_properties() if self.size > 1 else {}),
        }

    def _failover_properties(self) -> dict[str, object]:
        # A killed broker stays leader of its partitions until the controller fences it, after
        # `broker.session.timeout.ms` without a heartbeat (9 s by default): writes to those
        # partitions wait that long. 6 s with a heartbeat a second halves the wait and still
        # leaves a broker on a loaded 2-core machine five missed heartbeats of slack.
        return {"broker.heartbeat.interval.ms": 1000, "broker.session.timeout.ms": 6000}

    def _node(self, node_id: int) -> KafkaNode:
        single = self.size == 1
        return KafkaNode(
            node_id=node_id,
            port=self.settings.port(kafka_port_name(node_id)),
            controller_port=self.settings.port(kafka_controller_port_name(node_id)),
            root=self.root if single else self.root / f"node-{node_id}",
            process=ManagedProcess(
                "kafka" if single else f"kafka-{node_id}", self.settings.home / "run"
            ),
        )


def _new_cluster_id() -> str:
    """A random cluster id as `kafka-storage random-uuid` prints it (22 URL-safe base64 chars)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # An id starting with '-' would be read as an option on the command line.
        if not cluster_id.startswith("-"):
            return cluster_id
