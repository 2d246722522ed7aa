"""Wire-format purchases: schema ids resolved through a registry (confluent-kafka's mock://)."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from confluent_kafka import Message
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from shop_analytics.contracts import PURCHASE_MODELS, SCHEMA_VERSION_HEADER
from shop_analytics.contracts.registry_schemas import registry_subjects
from shop_analytics.schema_registry.client import new_client
from shop_analytics.schema_registry.schema_ids import RegistryUnavailable, SchemaVersions
from shop_analytics.streaming import purchase_batch
from shop_analytics.streaming.purchase_batch import decode_batch
from shop_analytics_tests.test_contracts.cases import SELLER_ID, SPEC_MESSAGE

TOPIC = "purchases"
LIMIT = 64 * 1024


@pytest.fixture
def registry() -> SchemaRegistryClient:
    # One mock client per test: its schemas live in the client object (and its URL's scope).
    client = new_client({"url": f"mock://{uuid.uuid4()}"})
    # The mock has no compatibility settings (the local registry's test checks those).
    for subject in registry_subjects(TOPIC):
        for text in subject.versions.values():
            client.register_schema(subject.name, Schema(text, subject.schema_type))
    return client


def serialize(client: SchemaRegistryClient, version: str, message: dict[str, Any]) -> bytes:
    (purchases, *_) = registry_subjects(TOPIC)
    serializer = JSONSerializer(
        purchases.versions[version],
        client,
        conf={"auto.register.schemas": False, "use.latest.version": False},
    )
    value = serializer(message, SerializationContext(TOPIC, MessageField.VALUE))
    assert value is not None
    return value


def kafka_message(value: bytes, offset: int, headers: list[Any] | None = None) -> Message:
    return Message(topic=TOPIC, partition=0, offset=offset, value=value, headers=headers)


def versions(client: SchemaRegistryClient, **kwargs: Any) -> SchemaVersions:
    return SchemaVersions(client, frozenset(PURCHASE_MODELS), **kwargs)


def test_wire_format_plain_json_and_headers_mix_in_one_batch(
    registry: SchemaRegistryClient,
) -> None:
    v2 = {**SPEC_MESSAGE, "purchase_id": str(uuid.uuid4()), "seller_id": SELLER_ID}
    messages = [
        kafka_message(serialize(registry, "v1", SPEC_MESSAGE), 0),
        kafka_message(serialize(registry, "v2", v2), 1),
        kafka_message(orjson.dumps(SPEC_MESSAGE), 2),
        kafka_message(orjson.dumps(v2), 3, [(SCHEMA_VERSION_HEADER, b"v2")]),
        # The id says v2; a stale header saying v1 does not make the seller an extra field.
        kafka_message(serialize(registry, "v2", v2), 4, [(SCHEMA_VERSION_HEADER, b"v1")]),
    ]
    batch = decode_batch(messages, LIMIT, schema_versions=versions(registry))
    assert batch.dead_letters == []
    rows = {r["_offset"]: r for r in batch.rows.to_pylist()}
    assert sorted(rows) == [0, 1, 2, 3, 4]
    assert [rows[i]["seller_id"] for i in range(5)] == [None, SELLER_ID, None, SELLER_ID, SELLER_ID]
    assert rows[0]["quantity"] == SPEC_MESSAGE["quantity"]


@pytest.mark.parametrize("plain_too", [False, True], ids=["wire only", "wire and plain"])
def test_a_batch_of_wire_format_takes_the_fast_path(
    registry: SchemaRegistryClient, plain_too: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = [serialize(registry, "v1", {**SPEC_MESSAGE, "quantity": n}) for n in range(1, 51)]
    if plain_too:
        values[::2] = [orjson.dumps({**SPEC_MESSAGE, "quantity": n}) for n in range(1, 51, 2)]

    def no_sorting(*_args: Any) -> Any:
        raise AssertionError("the batch left the fast path")

    monkeypatch.setattr(purchase_batch, "_sort_messages", no_sorting)
    batch = decode_batch(
        [kafka_message(v, i) for i, v in enumerate(values)],
        LIMIT,
        schema_versions=versions(registry),
    )
    assert batch.rows.column("quantity").to_pylist() == list(range(1, 51))


def test_unknown_id_and_invalid_payload_are_dead_letters_with_reasons(
    registry: SchemaRegistryClient,
) -> None:
    good = serialize(registry, "v1", SPEC_MESSAGE)
    unknown = b"\x00" + (9999).to_bytes(4, "big") + good[5:]
    bad = good[:5] + orjson.dumps({**SPEC_MESSAGE, "quantity": 0})
    (products,) = [s for s in registry_subjects(TOPIC) if s.schema_type == "AVRO"]
    avro_id = registry.get_latest_version(products.name).schema_id
    avro = b"\x00" + avro_id.to_bytes(4, "big") + good[5:]
    batch = decode_batch(
        [kafka_message(v, i) for i, v in enumerate([unknown, bad, avro, good])],
        LIMIT,
        schema_versions=versions(registry),
    )
    assert batch.rows.column("_offset").to_pylist() == [3]
    reasons = {letter.offset: letter.reason for letter in batch.dead_letters}
    assert reasons[0] == "$: unknown schema id 9999 (not in the schema registry)"
    assert reasons[1].startswith("quantity:")
    assert "AVRO schema, not JSON" in reasons[2]


def test_without_a_registry_wire_format_is_a_dead_letter(registry: SchemaRegistryClient) -> None:
    batch = decode_batch([kafka_message(serialize(registry, "v1", SPEC_MESSAGE), 0)], LIMIT)
    (letter,) = batch.dead_letters
    assert "needs a schema registry" in letter.reason


class FlakyRegistry:
    """Refuses connections ``failures`` times, then answers as ``inner``; counts the calls."""

    def __init__(self, inner: SchemaRegistryClient, failures: int, error: Exception) -> None:
        self.inner, self.failures, self.error, self.calls = inner, failures, error, 0

    def get_schema(self, schema_id: int) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.inner.get_schema(schema_id)


@pytest.mark.parametrize(
    "error",
    [ConnectionError("connection refused"), SchemaRegistryError(503, 50301, "unavailable")],
    ids=["refused", "503"],
)
def test_a_registry_briefly_down_delays_the_batch_and_sends_nothing_to_the_dlq(
    registry: SchemaRegistryClient, error: Exception
) -> None:
    flaky = FlakyRegistry(registry, failures=3, error=error)
    waits: list[float] = []
    resolver = versions(flaky, sleep=waits.append)  # type: ignore[arg-type]
    value = serialize(registry, "v1", SPEC_MESSAGE)
    batch = decode_batch([kafka_message(value, 0), kafka_message(value, 1)], LIMIT, False, resolver)
    assert batch.dead_letters == [] and batch.rows.num_rows == 2
    assert waits == [0.5, 1.0, 2.0]  # backoff doubles
    assert flaky.calls == 4  # the id is then cached: the second message asked nothing


def test_a_registry_down_for_too_long_fails_the_batch(registry: SchemaRegistryClient) -> None:
    flaky = FlakyRegistry(registry, failures=10**6, error=ConnectionError("refused"))
    resolver = versions(flaky, max_wait_s=0.0, sleep=lambda _: None)  # type: ignore[arg-type]
    value = serialize(registry, "v1", SPEC_MESSAGE)
    with pytest.raises(RegistryUnavailable):
        decode_batch([kafka_message(value, 0)], LIMIT, False, resolver)
