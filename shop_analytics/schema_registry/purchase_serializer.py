"""What producers put on the purchases topic: the kernel's canonical JSON, plain or framed.

`KAFKA_PURCHASE_FORMAT` chooses. `json` (the default) is the spec's message: the JSON alone, its
version in the `schema-version` header. `wire` is the Confluent wire format: the id of the
version's schema under the topic's value subject in front of the same JSON, which any consumer
with a Confluent deserializer reads. The ids are those `register-schemas` registered: each is
looked up once (never registered from here, so a producer cannot put a schema into the registry
that the compatibility rule did not judge) and cached for the life of the process. A lookup
that fails raises `RegistryUnavailable`; the caller decides whether to retry.

This does what confluent-kafka's `JSONSerializer` with `auto.register.schemas=False` does (a
test compares the two), without its cost per message: the document is already validated and
encoded by the kernel, so it is neither converted to a dict nor validated against the schema
again.
"""

from __future__ import annotations

import threading

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient

from shop_analytics.contracts.registry_schemas import Subject, purchase_subject
from shop_analytics.contracts.wire_format import wire_header
from shop_analytics.schema_registry.schema_ids import RegistryUnavailable


class PurchaseSerializer:
    """`serializer(message, version)`: the value to produce for a canonical purchase message."""

    def __init__(self, client: SchemaRegistryClient | None, topic: str) -> None:
        """``client`` None: plain JSON; else wire format through that registry."""
        self.client = client
        self.subject: Subject = purchase_subject(topic)
        self._headers: dict[str, bytes] = {}
        self._lock = threading.Lock()

    @property
    def wire(self) -> bool:
        return self.client is not None

    def __call__(self, message: bytes, version: str) -> bytes:
        if self.client is None:
            return message
        header = self._headers.get(version)
        if header is None:
            header = self._header(version)
        return header + message

    def _header(self, version: str) -> bytes:
        assert self.client is not None
        with self._lock:  # one lookup per version, whatever the number of threads asking
            if version not in self._headers:
                schema = Schema(self.subject.versions[version], "JSON")
                try:
                    found = self.client.lookup_schema(self.subject.name, schema)
                except Exception as exc:  # not found, refused, unreachable: nothing to send
                    raise RegistryUnavailable(
                        f"schema registry has no id for {self.subject.name} {version}: {exc}"
                    ) from exc
                assert found.schema_id is not None
                self._headers[version] = wire_header(found.schema_id)
            return self._headers[version]
