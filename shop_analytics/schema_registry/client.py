"""A Confluent Schema Registry client for the configured registry (local Apicurio or external)."""

from __future__ import annotations

from typing import Any

from confluent_kafka.schema_registry import SchemaRegistryClient

from shop_analytics.settings import Settings

# Short: a registry that does not answer should fail a call quickly so the caller can retry
# with its own backoff rather than sit in one long request.
REQUEST_TIMEOUT_S = 10


def registry_config(url: str, username: str = "", password: str = "") -> dict[str, Any]:
    config: dict[str, Any] = {"url": url, "timeout": REQUEST_TIMEOUT_S}
    if username:
        config["basic.auth.user.info"] = f"{username}:{password}"
    return config


def new_client(config: dict[str, Any]) -> SchemaRegistryClient:
    """A client; ``mock://`` URLs give confluent-kafka's in-process registry (unit tests)."""
    return SchemaRegistryClient.new_client(config)


def registry_client(settings: Settings) -> SchemaRegistryClient:
    return new_client(
        registry_config(
            settings.schema_registry_url,
            settings.schema_registry_username,
            settings.schema_registry_password,
        )
    )
