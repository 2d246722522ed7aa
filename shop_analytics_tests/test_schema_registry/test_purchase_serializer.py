"""The producers' serializer writes what confluent-kafka's JSONSerializer writes (mock registry)."""

from __future__ import annotations

import uuid

import orjson
import pytest
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

from shop_analytics.contracts import PurchaseV2
from shop_analytics.contracts.purchase_encoding import encode_model
from shop_analytics.contracts.registry_schemas import purchase_subject
from shop_analytics.schema_registry.client import new_client
from shop_analytics.schema_registry.purchase_serializer import PurchaseSerializer
from shop_analytics.schema_registry.schema_ids import RegistryUnavailable
from shop_analytics_tests.test_contracts.cases import SELLER_ID, SPEC_MESSAGE

TOPIC = "purchases"
CONTEXT = SerializationContext(TOPIC, MessageField.VALUE)


@pytest.fixture
def registry() -> SchemaRegistryClient:
    client = new_client({"url": f"mock://{uuid.uuid4()}"})
    subject = purchase_subject(TOPIC)
    for text in subject.versions.values():
        client.register_schema(subject.name, Schema(text, "JSON"))
    return client


@pytest.mark.parametrize("seller", [None, SELLER_ID], ids=["v1", "v2"])
def test_wire_values_read_back_through_confluents_deserializer(
    registry: SchemaRegistryClient, seller: str | None
) -> None:
    purchase = encode_model(PurchaseV2.model_validate({**SPEC_MESSAGE, "seller_id": seller}))
    ours = PurchaseSerializer(registry, TOPIC)(purchase.message, purchase.version)

    text = purchase_subject(TOPIC).versions[purchase.version]
    theirs = JSONSerializer(
        text, registry, conf={"auto.register.schemas": False, "use.latest.version": False}
    )(orjson.loads(purchase.message), CONTEXT)
    assert theirs is not None
    assert ours[:5] == theirs[:5], "magic byte and the version's schema id"
    assert ours[5:] == purchase.message, "the canonical message itself follows"
    read = JSONDeserializer(text, schema_registry_client=registry)(ours, CONTEXT)
    assert read == orjson.loads(purchase.message)


def test_plain_json_is_the_message_itself() -> None:
    message = orjson.dumps(SPEC_MESSAGE)
    assert PurchaseSerializer(None, TOPIC)(message, "v1") is message


def test_a_version_the_registry_does_not_hold_is_an_error_not_a_message() -> None:
    empty = new_client({"url": f"mock://{uuid.uuid4()}"})
    with pytest.raises(RegistryUnavailable, match="purchases-value v1"):
        PurchaseSerializer(empty, TOPIC)(orjson.dumps(SPEC_MESSAGE), "v1")
