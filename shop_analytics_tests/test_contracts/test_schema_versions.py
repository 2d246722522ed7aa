"""Purchase schema versions: v2 is a backward-compatible extension of v1."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from shop_analytics.contracts import (
    LATEST_PURCHASE_VERSION,
    PURCHASE_MODELS,
    Purchase,
    PurchaseV2,
    UnknownSchemaVersion,
    parse_purchase,
    purchase_message,
    purchase_model,
)
from shop_analytics.contracts.json_schemas import purchase_schema_validator
from shop_analytics_tests.test_contracts.cases import GOOD_V1, GOOD_V2_ONLY, SELLER_ID, message


def test_models_by_version() -> None:
    assert purchase_model("v1") is Purchase
    assert purchase_model("v2") is PurchaseV2
    assert purchase_model() is PURCHASE_MODELS[LATEST_PURCHASE_VERSION]
    assert list(PURCHASE_MODELS) == ["v1", "v2"]


@pytest.mark.parametrize("version", ["v3", "1", "V1", ""])
def test_unknown_version_is_a_clear_error(version: str) -> None:
    with pytest.raises(UnknownSchemaVersion, match="known versions: v1, v2") as caught:
        parse_purchase(orjson.dumps(message()), version)
    assert caught.value.version == version


@pytest.mark.parametrize("case", sorted(GOOD_V1))
def test_every_v1_message_is_valid_v2(case: str) -> None:
    payload = orjson.dumps(GOOD_V1[case])
    v1 = parse_purchase(payload, "v1")
    v2 = parse_purchase(payload, "v2")
    assert isinstance(v2, PurchaseV2)
    assert v2.seller_id is None
    assert v2.model_dump(exclude={"seller_id"}) == v1.model_dump()
    assert not list(purchase_schema_validator("v2").iter_errors(GOOD_V1[case]))


def test_v2_fields_extend_v1_without_new_requirements() -> None:
    v1, v2 = Purchase.model_fields, PurchaseV2.model_fields
    assert list(v2)[: len(v1)] == list(v1)
    assert all(not v2[name].is_required() for name in v2.keys() - v1.keys())


@pytest.mark.parametrize("case", sorted(GOOD_V2_ONLY))
def test_v1_reader_refuses_v2_fields(case: str) -> None:
    # The price of rejecting unknown fields: a v1 reader cannot read a v2 message with a seller,
    # so readers upgrade before producers start sending seller_id.
    payload = orjson.dumps(GOOD_V2_ONLY[case])
    parse_purchase(payload, "v2")
    with pytest.raises(ValidationError, match="seller_id"):
        parse_purchase(payload, "v1")


def test_message_round_trip_and_v1_compatible_output() -> None:
    with_seller = parse_purchase(orjson.dumps(message(seller_id=SELLER_ID)))
    assert parse_purchase(purchase_message(with_seller)) == with_seller
    without_seller = parse_purchase(orjson.dumps(message()))
    payload = purchase_message(without_seller)
    assert b"seller_id" not in payload  # so a v1 reader still takes it
    assert parse_purchase(payload, "v1").model_dump() == without_seller.model_dump(
        exclude={"seller_id"}
    )
    assert orjson.loads(payload)["timestamp"] == "2025-04-06T12:00:00Z"
