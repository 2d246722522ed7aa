"""Schema ids of wire-format messages (`contracts.wire_format`) resolved to contract versions.

The registry says which schema an id stands for; the purchase schemas carry their contract version
(`"version": "v2"`), so the id maps to the same fast validation as a `schema-version` header.
Ids never change meaning, so each is asked once per process.

A registry that does not answer must not turn valid messages into dead letters: the lookup is
retried with backoff and the batch waits (its offsets stay uncommitted); only after
``max_wait_s`` does it raise `RegistryUnavailable`, which fails the batch like a sink failure.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Final

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

logger = logging.getLogger(__name__)

SCHEMA_NOT_FOUND: Final = 40403  # the registry's error code for an id it never issued


class RegistryUnavailable(RuntimeError):
    """The schema registry did not answer within the wait; the batch must be read again."""


class SchemaVersions:
    """Schema id -> contract version ("v1"/"v2"), or the reason the id is no purchase schema."""

    def __init__(
        self,
        client: SchemaRegistryClient,
        known_versions: frozenset[str],
        *,
        max_wait_s: float = 300.0,
        first_backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.known_versions = known_versions
        self.max_wait_s = max_wait_s
        self.first_backoff_s = first_backoff_s
        self._sleep = sleep
        self._cache: dict[int, tuple[str | None, str]] = {}

    def resolve(self, schema_id: int) -> tuple[str | None, str]:
        """(version, "") for a purchase schema; (None, reason) for an id to dead-letter."""
        found = self._cache.get(schema_id)
        if found is None:
            found = self._cache[schema_id] = self._ask(schema_id)
        return found

    def _ask(self, schema_id: int) -> tuple[str | None, str]:
        deadline = time.monotonic() + self.max_wait_s
        backoff = self.first_backoff_s
        while True:
            try:
                schema = self.client.get_schema(schema_id)
            except SchemaRegistryError as exc:
                if exc.error_code == SCHEMA_NOT_FOUND or exc.http_status_code == 404:
                    return None, f"$: unknown schema id {schema_id} (not in the schema registry)"
                if exc.http_status_code < 500:
                    raise  # a client error (auth, bad URL) is a configuration fault, not data
                error: Exception = exc
            except Exception as exc:  # connection refused, timeout (requests/httpx errors)
                error = exc
            else:
                return self._version_of(schema_id, schema.schema_type, schema.schema_str)
            if time.monotonic() + backoff > deadline:
                raise RegistryUnavailable(
                    f"schema registry did not answer for {self.max_wait_s:.0f} s: {error}"
                ) from error
            logger.warning("schema registry unreachable (%s); retrying in %.1f s", error, backoff)
            self._sleep(backoff)
            backoff = min(backoff * 2, 10.0)

    def _version_of(
        self, schema_id: int, schema_type: str | None, text: str | None
    ) -> tuple[str | None, str]:
        if (schema_type or "AVRO") != "JSON" or not text:
            return None, f"$: schema id {schema_id} is a {schema_type or 'AVRO'} schema, not JSON"
        try:
            version = json.loads(text).get("version")
        except (ValueError, AttributeError):
            version = None
        if version not in self.known_versions:
            return None, f"$: schema id {schema_id} is not a purchase schema version we read"
        return str(version), ""
