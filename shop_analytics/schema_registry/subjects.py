"""Register the contracts' schemas under their subjects, each with its compatibility rule.

The rule is set before any version is registered, so that the registry itself judges every new
version against the one before; a refusal becomes one line naming subject, version and reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from shop_analytics.contracts.registry_schemas import Subject, registry_subjects
from shop_analytics.local.process import ServiceError
from shop_analytics.schema_registry.client import registry_client
from shop_analytics.settings import Settings

HTTP_CONFLICT = 409  # the registry's answer to an incompatible schema


def provision_subjects(
    settings: Settings, subjects: Iterable[Subject] | None = None
) -> dict[str, dict[str, int]]:
    """Register every subject's versions, oldest first; the schema id of each. Idempotent."""
    client = registry_client(settings)
    wanted = registry_subjects(settings.purchases_topic) if subjects is None else subjects
    return {subject.name: register_subject(client, subject) for subject in wanted}


def register_subject(client: SchemaRegistryClient, subject: Subject) -> dict[str, int]:
    try:
        client.set_compatibility(subject.name, subject.compatibility)
    except SchemaRegistryError as exc:
        raise ServiceError(f"schema registry: {subject.name}: {_one_line(exc)}") from exc
    except Exception as exc:  # connection refused, timeout: the client raises requests' errors
        raise ServiceError(f"schema registry does not answer: {_one_line(exc)}") from exc
    ids: dict[str, int] = {}
    for version, text in subject.versions.items():
        try:
            ids[version] = client.register_schema(subject.name, Schema(text, subject.schema_type))
        except SchemaRegistryError as exc:
            if exc.http_status_code == HTTP_CONFLICT:
                raise ServiceError(
                    f"schema registry refused {subject.name} {version} as not "
                    f"{subject.compatibility} compatible: {_one_line(exc)}"
                ) from exc
            raise ServiceError(
                f"schema registry: {subject.name} {version}: {_one_line(exc)}"
            ) from exc
    return ids


def _one_line(exc: Exception) -> str:
    message = exc.error_message if isinstance(exc, SchemaRegistryError) else str(exc)
    return re.sub(r"\s+", " ", message).strip()[:300]
