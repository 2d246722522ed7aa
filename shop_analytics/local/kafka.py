"""The embedded Apache Kafka 4 (KRaft): one node by default, three with KAFKA_CLUSTER_SIZE=3.

The jars come from Maven Central through ``kafka/pom.xml`` (no Kafka download, no Docker); every
node listens on 127.0.0.1 only and keeps its data under ``settings.home``. The shape of the
cluster (nodes, ports, replication) lives in ``kafka_cluster``, one node in ``kafka_node``.
"""

from __future__ import annotations

import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NoReturn

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from shop_analytics.local.java import java, major_version
from shop_analytics.local.kafka_cluster import KafkaCluster
from shop_analytics.local.kafka_node import KafkaNode
from shop_analytics.local.maven import resolve_jars
from shop_analytics.local.process import ManagedProcess, ServiceError
from shop_analytics.local.service import LocalService, Status

POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
MIN_JAVA = 17
START_TIMEOUT = 120.0  # a cold JVM on 2 busy cores (tests run beside Spark) can take a while


class KafkaService(LocalService):
    system = "kafka"

    @property
    def cluster(self) -> KafkaCluster:
        return KafkaCluster(self.settings)

    @property
    def process(self) -> ManagedProcess:
        """The first node's process (the only one by default)."""
        return self.cluster.nodes[0].process

    @property
    def bootstrap(self) -> str:
        return self.cluster.bootstrap

    def check_prerequisites(self) -> None:
        found = java()
        if found is None:
            raise ServiceError(_java_hint("`java` is not on PATH"))
        version = major_version(found)
        if version is None or version < MIN_JAVA:
            raise ServiceError(_java_hint(f"found Java {version or 'of unknown version'}"))
        if shutil.which("mvn") is None:
            raise ServiceError("Kafka's jars come from Maven Central: apt-get install maven")

    def start(self) -> None:
        """Start every node that is not running (all of them, or one that was killed), then
        wait until each answers: a cluster's nodes start together, since none serves before the
        controller quorum has a majority."""
        cluster = self.cluster
        stopped = [node for node in cluster.nodes if node.process.pid() is None]
        if not stopped:
            raise ServiceError(f"{self.system}: already running (pid {self.process.pid()})")
        for node in stopped:
            self.ensure_startable_node(node)
        classpath = os.pathsep.join(map(str, resolve_jars(POM, cluster.root)))
        shared = cluster.shared_properties()
        cluster_id = cluster.cluster_id()
        for node in stopped:
            node.write_config(shared)
            node.format_storage(classpath, cluster_id)
        for node in stopped:
            node.start(classpath)
        self._wait_until_ready(stopped)

    def ensure_startable_node(self, node: KafkaNode) -> None:
        if (pid := node.process.pid()) is not None:
            raise ServiceError(f"{node.process.name}: already running (pid {pid})")
        self.ensure_ports_free(node.port, node.controller_port)

    def stop(self) -> bool:
        # Every shape's processes: a cluster started under another KAFKA_CLUSTER_SIZE goes too.
        # All at once: a node stopped after the others finds no controller quorum left for its
        # controlled shutdown and would wait out the whole stop timeout.
        processes = self.cluster.every_process()
        with ThreadPoolExecutor(max_workers=len(processes)) as pool:
            return any(pool.map(lambda process: process.stop(), processes))

    def provision(self) -> None:
        """Create the purchases and dead-letter topics, replicated as the cluster allows; grow
        them if fewer partitions were set."""
        admin = AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 5})
        wanted = self.settings.topic_partitions
        replication = self.cluster.replication
        try:
            existing = admin.list_topics(timeout=10).topics
        except KafkaException as exc:
            raise ServiceError(f"kafka at {self.bootstrap} does not answer: {exc}") from exc
        topics = (self.settings.purchases_topic, self.settings.dead_letter_topic)
        missing = [
            NewTopic(t, wanted, replication.factor, config=replication.topic_config())
            for t in topics
            if t not in existing
        ]
        grow = [
            NewPartitions(t, wanted)
            for t in topics
            if t in existing and len(existing[t].partitions) < wanted
        ]
        futures = {}
        if missing:
            futures.update(admin.create_topics(missing, request_timeout=30))
        if grow:
            futures.update(admin.create_partitions(grow, request_timeout=30))
        for topic, future in futures.items():
            try:
                future.result()
            except KafkaException as exc:
                # Another process (a second `up`, a test session) may have won the race.
                if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
                    raise ServiceError(f"kafka: could not create topic {topic}: {exc}") from exc

    def status(self) -> Status:
        """Up when every node runs; a cluster with a node down is reported down (and `up`
        starts the missing node)."""
        nodes = self.cluster.nodes
        pids = [node.process.pid() for node in nodes]
        if len(nodes) == 1:
            if pids[0] is None:
                return Status(self.system, False, "not running")
            return Status(self.system, True, f"{self.bootstrap}  pid {pids[0]}")
        each = ", ".join(
            f"{node.node_id}: {'pid ' + str(pid) if pid else 'down'}"
            for node, pid in zip(nodes, pids, strict=True)
        )
        running = all(pids)
        if not any(pids):
            return Status(self.system, False, f"not running ({len(nodes)} brokers)")
        return Status(self.system, running, f"{self.bootstrap}  {len(nodes)} brokers ({each})")

    def _wait_until_ready(self, nodes: list[KafkaNode]) -> None:
        """Return once every node answers a metadata request; fail fast if a JVM exits."""
        deadline = time.monotonic() + START_TIMEOUT
        waiting = list(nodes)
        while time.monotonic() < deadline:
            for node in waiting:
                if node.process.pid() is None:
                    self._fail(node, "exited during startup")
            waiting = [node for node in waiting if not node.answers()]
            if not waiting:
                return
            time.sleep(0.2)
        for node in nodes:
            node.process.stop(timeout=20)
        self._fail(waiting[0], f"did not answer within {START_TIMEOUT:.0f} s")

    def _fail(self, node: KafkaNode, what: str) -> NoReturn:
        process = node.process
        raise ServiceError(f"kafka {what}; last lines of {process.log_file}:\n{process.log_tail()}")


def _java_hint(found: str) -> str:
    return f"Kafka 4 needs Java {MIN_JAVA}+ ({found}): apt-get install openjdk-17-jre-headless"
