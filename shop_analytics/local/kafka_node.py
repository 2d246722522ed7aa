"""One Kafka 4 node of the local stack: a JVM that is broker and KRaft controller at once.

A node knows its ports, its folder (``server.properties``, ``log4j2.properties``, ``data/``) and
its process; what the nodes share (the voter set, replication, the cluster id) is decided by
``kafka_cluster.KafkaCluster`` and handed to each node as its properties.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from confluent_kafka import KafkaException
from confluent_kafka.admin import AdminClient

from shop_analytics.local.java import java
from shop_analytics.local.process import ManagedProcess, ServiceError, port_open

# Kafka's own defaults are -Xmx1G -Xms1G and G1 for a production broker; a local one with a
# few topics is comfortable in far less. On 2 cores the serial collector kept the broker's RSS
# at ~220 MB after 300 k messages where G1 reached 230-290 MB, at the same throughput; its
# pauses on a heap this small are a few milliseconds.
JVM_OPTIONS = (
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-Djava.awt.headless=true",
)

# Warnings and errors from everything, plus the few INFO lines that tell a reader of the log
# that the broker started or stopped; the INFO firehose (config dumps, every partition's state
# change) would grow the log by thousands of lines per start.
LOG4J2_PROPERTIES = """\
status = warn
# Log4j's own shutdown hook would stop logging before Kafka's shutdown hook has said anything.
shutdownHook = disable
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
logger.raft_server.name = kafka.server.KafkaRaftServer
logger.raft_server.level = INFO
logger.broker.name = kafka.server.BrokerServer
logger.broker.level = INFO
logger.controller.name = kafka.server.ControllerServer
logger.controller.level = INFO
"""


@dataclass(frozen=True)
class KafkaNode:
    """Node ``node_id`` (1-based), listening on 127.0.0.1 only."""

    node_id: int
    port: int
    controller_port: int
    root: Path
    process: ManagedProcess

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def voter(self) -> str:
        """This node in ``controller.quorum.voters``."""
        return f"{self.node_id}@127.0.0.1:{self.controller_port}"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def properties_file(self) -> Path:
        return self.root / "server.properties"

    def own_properties(self) -> dict[str, object]:
        """What differs from node to node; the cluster adds what they share."""
        return {
            "node.id": self.node_id,
            "listeners": (
                f"PLAINTEXT://{self.address},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{self.address}",
            "log.dirs": self.data_dir,
        }

    def write_config(self, shared: Mapping[str, object]) -> None:
        # Rewritten on every start so that a changed port base or partition count takes effect.
        self.root.mkdir(parents=True, exist_ok=True)
        properties = {**shared, **self.own_properties()}
        self.properties_file.write_text("".join(f"{k}={v}\n" for k, v in properties.items()))
        (self.root / "log4j2.properties").write_text(LOG4J2_PROPERTIES)

    def java_command(self, classpath: str) -> list[str]:
        return [
            java() or "java",
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
            "-cp",
            classpath,
        ]

    def formatted_cluster_id(self) -> str | None:
        """The cluster id this node's storage was formatted with, or None if it was not."""
        try:
            lines = (self.data_dir / "meta.properties").read_text().splitlines()
        except FileNotFoundError:
            return None
        found = dict(line.split("=", 1) for line in lines if "=" in line)
        return found.get("cluster.id")

    def format_storage(self, classpath: str, cluster_id: str) -> None:
        """Write the KRaft metadata of the cluster into log.dirs, once."""
        if self.formatted_cluster_id() is not None:
            return
        argv = [
            *self.java_command(classpath),
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            cluster_id,
            "--config",
            str(self.properties_file),
            "--ignore-formatted",
        ]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
            raise ServiceError(f"kafka: formatting {self.data_dir} failed:\n{tail}")

    def start(self, classpath: str) -> int:
        """Start the JVM and return its PID at once; ``answers`` tells when it serves."""
        return self.process.start(
            [*self.java_command(classpath), "kafka.Kafka", str(self.properties_file)]
        )

    def answers(self) -> bool:
        """True once this broker answers a metadata request and is registered with the quorum."""
        # Asking the port first keeps librdkafka from logging refused connections.
        if not port_open(self.port):
            return False
        # Up to NOTICE: librdkafka otherwise prints an INFO line ("Purging unserved events")
        # when an admin client is dropped with a pending event, harmless and confusing.
        admin = AdminClient({"bootstrap.servers": self.address, "log_level": 5})
        try:
            metadata = admin.list_topics(timeout=5)
        except KafkaException:
            return False
        # The controller may accept connections before the broker has registered with it.
        return any(broker.id == self.node_id for broker in metadata.brokers.values())
