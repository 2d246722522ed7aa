"""Plain clients of PostgreSQL, Kafka and the lake, free of Dagster.

The API builds them directly (a worker imports no orchestrator); `shop_analytics.resources`
turns each into a `dg.ConfigurableResource`, so there is one owner per connection.
`client_fields` is the one place that maps the platform's variables onto their fields.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shop_analytics import settings as settings_module
from shop_analytics.clients.kafka import KafkaClient, KafkaUnreachableError
from shop_analytics.clients.lake import LakeClient
from shop_analytics.clients.postgres import PostgresClient

__all__ = [
    "KafkaClient",
    "KafkaUnreachableError",
    "LakeClient",
    "PostgresClient",
    "client_fields",
    "clients_from_environment",
]


def client_fields(value: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    """The fields of each client, keyed as resources are, from ``value(variable name)``."""
    return {
        "postgres": {"dsn": value("POSTGRES_DSN")},
        "kafka": {
            "bootstrap_servers": value("KAFKA_BOOTSTRAP_SERVERS"),
            "purchases_topic": value("KAFKA_PURCHASES_TOPIC"),
            "dead_letter_topic": value("KAFKA_DEAD_LETTER_TOPIC"),
            "security_protocol": value("KAFKA_SECURITY_PROTOCOL"),
            "sasl_mechanism": value("KAFKA_SASL_MECHANISM"),
            "sasl_username": value("KAFKA_SASL_USERNAME"),
            "sasl_password": value("KAFKA_SASL_PASSWORD"),
            "schema_registry_url": value("SCHEMA_REGISTRY_URL"),
            "schema_registry_username": value("SCHEMA_REGISTRY_USERNAME"),
            "schema_registry_password": value("SCHEMA_REGISTRY_PASSWORD"),
            "purchase_format": value("KAFKA_PURCHASE_FORMAT"),
        },
        "lake": {
            "root": value("LAKE_ROOT"),
            "endpoint_url": value("S3_ENDPOINT_URL"),
            "access_key_id": value("S3_ACCESS_KEY_ID"),
            "secret_access_key": value("S3_SECRET_ACCESS_KEY"),
            "region": value("S3_REGION"),
        },
    }


def clients_from_environment() -> dict[str, Any]:
    """PostgreSQL, Kafka and lake clients configured by the same variables as everything else
    (embedded defaults filled in by `shop_analytics.settings`)."""
    value = settings_module.export_defaults().as_environment().__getitem__
    fields = client_fields(value)
    return {
        "postgres": PostgresClient(**fields["postgres"]),
        "kafka": KafkaClient(**fields["kafka"]),
        "lake": LakeClient(**fields["lake"]),
    }
