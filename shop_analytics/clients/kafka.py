"""Kafka for the API, assets, sensors and the ingestor: clients configured once, on confluent-kafka.

Locally ``bootstrap_servers`` points at the embedded broker with no security; in production
the same settings carry the cluster's address and SASL credentials.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ClusterMetadata, OffsetSpec
from pydantic import Field

from shop_analytics.clients.client_model import ClientModel
from shop_analytics.contracts import PURCHASE_MODELS

if TYPE_CHECKING:
    from confluent_kafka.schema_registry import SchemaRegistryClient

    from shop_analytics.schema_registry.purchase_serializer import PurchaseSerializer
    from shop_analytics.schema_registry.schema_ids import SchemaVersions


# What a partition answers before its first leader is elected (a topic created a moment ago).
_LEADERLESS = frozenset({KafkaError.NOT_LEADER_FOR_PARTITION, KafkaError.LEADER_NOT_AVAILABLE})


class KafkaUnreachableError(RuntimeError):
    """No broker of the configured cluster answered within the timeout."""


class KafkaClient(ClientModel):
    """Producers, consumers and an admin client for one Kafka cluster.

    ``**overrides`` take librdkafka's dotted property names, so pass them as a mapping:
    ``kafka.producer(**{"linger.ms": 20})``.
    """

    bootstrap_servers: str = Field(description="host:port[,host:port...] of the brokers.")
    purchases_topic: str = "purchases"
    dead_letter_topic: str = "purchases.dlq"
    security_protocol: str = Field(
        default="PLAINTEXT", description="PLAINTEXT locally; SASL_SSL for a managed cluster."
    )
    sasl_mechanism: str = Field(default="", description="PLAIN, SCRAM-SHA-512, ...; empty: none.")
    sasl_username: str = ""
    sasl_password: str = ""
    schema_registry_url: str = Field(
        default="",
        description="Confluent-compatible Schema Registry API; empty: plain JSON only.",
    )
    schema_registry_username: str = ""
    schema_registry_password: str = ""
    purchase_format: str = Field(
        default="json",
        description="What producers write on the purchases topic: json (the spec's plain "
        "message) or wire (Confluent wire format through the schema registry).",
    )
    request_timeout_s: float = Field(
        default=10.0, description="Bound on metadata, admin and offset requests."
    )
    delivery_timeout_s: float = Field(
        default=30.0,
        description="How long a produced message may wait for its acknowledgement before its "
        "delivery fails (librdkafka's default is 5 minutes).",
    )

    def schema_versions(self) -> SchemaVersions | None:
        """Resolves the schema ids of wire-format purchases; None without a registry."""
        if not self.schema_registry_url:
            return None
        from shop_analytics.schema_registry.schema_ids import SchemaVersions

        return SchemaVersions(self._registry_client(), frozenset(PURCHASE_MODELS))

    def purchase_serializer(self) -> PurchaseSerializer:
        """Turns canonical purchase messages into the values to produce (`purchase_format`)."""
        from shop_analytics.schema_registry.purchase_serializer import PurchaseSerializer

        if self.purchase_format != "wire":
            return PurchaseSerializer(None, self.purchases_topic)
        if not self.schema_registry_url:
            raise ValueError("KAFKA_PURCHASE_FORMAT=wire needs SCHEMA_REGISTRY_URL")
        return PurchaseSerializer(self._registry_client(), self.purchases_topic)

    def _registry_client(self) -> SchemaRegistryClient:
        # Imported here: the registry client costs ~0.2 s of imports, and producers that send
        # plain JSON (the API by default) never need it.
        from shop_analytics.schema_registry.client import new_client, registry_config

        return new_client(
            registry_config(
                self.schema_registry_url,
                self.schema_registry_username,
                self.schema_registry_password,
            )
        )

    def client_config(self) -> dict[str, Any]:
        """The settings every client shares: address and security."""
        config: dict[str, Any] = {
            "bootstrap.servers": self.bootstrap_servers,
            "security.protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            config["sasl.mechanism"] = self.sasl_mechanism
        if self.sasl_username:
            config["sasl.username"] = self.sasl_username
        if self.sasl_password:
            config["sasl.password"] = self.sasl_password
        return config

    def producer(self, **overrides: Any) -> Producer:
        """An idempotent producer: a retried send is written once, in order, on every replica."""
        config = {
            **self.client_config(),
            "enable.idempotence": True,
            "acks": "all",
            "message.timeout.ms": int(self.delivery_timeout_s * 1000),
            **overrides,
        }
        return Producer(config)

    def consumer(self, group_id: str, **overrides: Any) -> Consumer:
        """A consumer that never commits on its own: offsets are committed after the sink write."""
        config = {
            **self.client_config(),
            "group.id": group_id,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
            **overrides,
        }
        return Consumer(config)

    def admin(self) -> AdminClient:
        """An admin client; keep it referenced until its futures resolve (it fails them on exit)."""
        return AdminClient(self.client_config())

    def ensure_reachable(self, timeout: float | None = None) -> ClusterMetadata:
        """The cluster's metadata, or KafkaUnreachableError once ``timeout`` seconds have passed.

        librdkafka retries an unreachable cluster forever in the background; this is the bounded
        question to ask before starting work.
        """
        timeout = self.request_timeout_s if timeout is None else timeout
        errors: list[str] = []
        # librdkafka logs every failed connection attempt (about 20 lines a second) to stderr;
        # keep only what is critical and put the first error (refused, DNS, TLS,
        # authentication) into our message instead.
        config: dict[str, Any] = {
            **self.client_config(),
            "log_level": 2,
            "error_cb": lambda err: errors.append(err.str()),
        }
        admin = AdminClient(config)
        try:
            metadata = admin.list_topics(timeout=timeout)
        except KafkaException as exc:
            admin.poll(0)  # runs the error_cb calls queued while list_topics waited
            reason = errors[0] if errors else str(exc.args[0])
            raise KafkaUnreachableError(
                f"Kafka at {self.bootstrap_servers} did not answer within {timeout:g} s: {reason}"
            ) from exc
        return metadata

    def end_offsets(self, topic: str) -> dict[int, int]:
        """The offset the next message will get, per partition (the high watermarks)."""
        admin = self.admin()
        metadata = admin.list_topics(topic, timeout=self.request_timeout_s).topics.get(topic)
        if metadata is None or metadata.error is not None:
            reason = metadata.error if metadata is not None else KafkaError.UNKNOWN_TOPIC_OR_PART
            raise KafkaException(f"topic {topic!r} is not available: {reason}")
        requests = {TopicPartition(topic, p): OffsetSpec.latest() for p in metadata.partitions}
        # A topic created a moment ago may not have elected its leaders yet ("not leader for
        # partition"): a retriable answer, asked again until the request timeout has passed.
        deadline = time.monotonic() + self.request_timeout_s
        while True:
            futures = admin.list_offsets(requests, request_timeout=self.request_timeout_s)
            try:
                return {tp.partition: future.result().offset for tp, future in futures.items()}
            except KafkaException as exc:
                error = exc.args[0]
                retriable = isinstance(error, KafkaError) and (
                    error.retriable() or error.code() in _LEADERLESS
                )
                if not retriable or time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)
