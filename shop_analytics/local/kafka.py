"""A real single-node Apache Kafka 4 broker (KRaft: broker and controller in one JVM).

The jars come from Maven Central through ``kafka/pom.xml`` (no Kafka download, no Docker); the
broker listens on 127.0.0.1 only and keeps its data under ``settings.home / "kafka"``.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import NoReturn

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, NewPartitions, NewTopic

from shop_analytics.local.maven import resolve_jars
from shop_analytics.local.process import ServiceError, port_open
from shop_analytics.local.service import LocalService, Status

POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
MIN_JAVA = 17
START_TIMEOUT = 120.0  # a cold JVM on 2 busy cores (tests run beside Spark) can take a while
NODE_ID = 1

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


class KafkaService(LocalService):
    system = "kafka"

    @property
    def root(self) -> Path:
        return self.settings.home / "kafka"

    @property
    def port(self) -> int:
        return self.settings.port("kafka")

    @property
    def controller_port(self) -> int:
        return self.settings.port("kafka_controller")

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def check_prerequisites(self) -> None:
        java = _java()
        if java is None:
            raise ServiceError(_java_hint("`java` is not on PATH"))
        version = _java_major_version(java)
        if version is None or version < MIN_JAVA:
            raise ServiceError(_java_hint(f"found Java {version or 'of unknown version'}"))
        if shutil.which("mvn") is None:
            raise ServiceError("Kafka's jars come from Maven Central: apt-get install maven")

    def start(self) -> None:
        self.ensure_startable(self.port, self.controller_port)
        classpath = os.pathsep.join(map(str, resolve_jars(POM, self.root)))
        self._write_config()
        self._format_storage(classpath)
        self.process.start(
            [*self._java_command(classpath), "kafka.Kafka", str(self.root / "server.properties")]
        )
        self._wait_until_ready()

    def provision(self) -> None:
        """Create the purchases and dead-letter topics; grow them if fewer partitions were set."""
        admin = self._admin()
        wanted = self.settings.topic_partitions
        try:
            existing = admin.list_topics(timeout=10).topics
        except KafkaException as exc:
            raise ServiceError(f"kafka at {self.bootstrap} does not answer: {exc}") from exc
        topics = (self.settings.purchases_topic, self.settings.dead_letter_topic)
        missing = [NewTopic(t, wanted, 1) for t in topics if t not in existing]
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
        found = super().status()
        if found.running:
            return Status(self.system, True, f"{self.bootstrap}  {found.detail}")
        return found

    def _java_command(self, classpath: str) -> list[str]:
        java = _java() or "java"
        return [
            java,
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={self.root / 'log4j2.properties'}",
            "-cp",
            classpath,
        ]

    def _write_config(self) -> None:
        # Rewritten on every start so that a changed port base or partition count takes effect.
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "server.properties").write_text(self._server_properties())
        (self.root / "log4j2.properties").write_text(LOG4J2_PROPERTIES)

    def _server_properties(self) -> str:
        single_node = {
            "process.roles": "broker,controller",
            "node.id": NODE_ID,
            # A static voter set rather than `format --standalone`: the dynamic quorum records
            # the controller's address in the log, which would go stale if the port base moved.
            "controller.quorum.voters": f"{NODE_ID}@127.0.0.1:{self.controller_port}",
            "listeners": (
                f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}"
            ),
            "advertised.listeners": f"PLAINTEXT://{self.bootstrap}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": self.root / "data",
            "num.partitions": self.settings.topic_partitions,
            # One broker: every internal topic has exactly one replica.
            "default.replication.factor": 1,
            "min.insync.replicas": 1,
            "offsets.topic.replication.factor": 1,
            "transaction.state.log.replication.factor": 1,
            "transaction.state.log.min.isr": 1,
            "share.coordinator.state.topic.replication.factor": 1,
            "share.coordinator.state.topic.min.isr": 1,
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
        }
        return "".join(f"{key}={value}\n" for key, value in single_node.items())

    def _format_storage(self, classpath: str) -> None:
        """Write the KRaft metadata of a new cluster into log.dirs, once."""
        if (self.root / "data" / "meta.properties").exists():
            return
        argv = [
            *self._java_command(classpath),
            "kafka.tools.StorageTool",
            "format",
            "--cluster-id",
            _cluster_id(),
            "--config",
            str(self.root / "server.properties"),
            "--ignore-formatted",
        ]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
            raise ServiceError(f"kafka: formatting {self.root / 'data'} failed:\n{tail}")

    def _wait_until_ready(self) -> None:
        """Return once the broker answers a metadata request; fail fast if the JVM exits."""
        deadline = time.monotonic() + START_TIMEOUT
        # Waiting for the port first keeps librdkafka from logging refused connections.
        while time.monotonic() < deadline:
            if self.process.pid() is None:
                self._fail("exited during startup")
            if port_open(self.port) and self._answers_metadata():
                return
            time.sleep(0.2)
        self.process.stop(timeout=20)
        self._fail(f"did not answer within {START_TIMEOUT:.0f} s")

    def _admin(self) -> AdminClient:
        # Up to NOTICE: librdkafka otherwise prints an INFO line ("Purging unserved events")
        # when an admin client is dropped with a pending event, harmless and confusing.
        return AdminClient({"bootstrap.servers": self.bootstrap, "log_level": 5})

    def _answers_metadata(self) -> bool:
        admin = self._admin()
        try:
            metadata = admin.list_topics(timeout=5)
        except KafkaException:
            return False
        # The controller may accept connections before the broker has registered with it.
        return bool(metadata.brokers)

    def _fail(self, what: str) -> NoReturn:
        raise ServiceError(
            f"kafka {what}; last lines of {self.process.log_file}:\n{self.process.log_tail()}"
        )


def _java() -> str | None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    return shutil.which("java")


def _java_major_version(java: str) -> int | None:
    """17 for `openjdk version "17.0.15"`, 8 for the old `"1.8.0_402"` scheme."""
    result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', result.stderr + result.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _java_hint(found: str) -> str:
    return f"Kafka 4 needs Java {MIN_JAVA}+ ({found}): apt-get install openjdk-17-jre-headless"


def _cluster_id() -> str:
    """A random cluster id as `kafka-storage random-uuid` prints it (22 URL-safe base64 chars)."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # An id starting with '-' would be read as an option on the command line.
        if not cluster_id.startswith("-"):
            return cluster_id
