"""Purchase messages: the spec's example passes, every bad case fails naming its field."""

from __future__ import annotations

import math
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
import pytest
from pydantic import ValidationError

from shop_analytics.contracts import (
    FieldError,
    Purchase,
    PurchaseV2,
    SellerWrite,
    describe_errors,
    field_errors,
    parse_purchase,
)
from shop_analytics_tests.test_contracts.cases import BAD, GOOD_V1, SPEC_MESSAGE, message
from shop_analytics_tests.test_contracts.spec_text import PURCHASE_MESSAGE


def _errors(payload: bytes, version: str) -> list[FieldError]:
    with pytest.raises(ValidationError) as caught:
        parse_purchase(payload, version)
    return field_errors(caught.value)


def test_spec_message_parses_to_typed_values() -> None:
    purchase = parse_purchase(PURCHASE_MESSAGE.encode(), "v1")
    assert type(purchase) is Purchase
    assert str(purchase.purchase_id) == SPEC_MESSAGE["purchase_id"]
    assert purchase.quantity == 2
    assert purchase.price == 49.99
    assert purchase.timestamp.isoformat() == "2025-04-06T12:00:00+00:00"


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("case", sorted(GOOD_V1))
def test_good_message_accepted(case: str, version: str) -> None:
    parse_purchase(orjson.dumps(GOOD_V1[case]), version)


@pytest.mark.parametrize("version", ["v1", "v2"])
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_message_rejected_naming_the_field(case: str, version: str) -> None:
    payload, field = BAD[case]
    errors = _errors(orjson.dumps(payload), version)
    assert [item["field"] for item in errors] == [field], errors
    assert errors[0]["reason"]


def test_misspelt_field_is_both_unknown_and_missing() -> None:
    errors = _errors(orjson.dumps(message(quantity=..., quantiy=2)), "v1")
    assert errors == [
        {"field": "quantity", "reason": "Field required"},
        {"field": "quantiy", "reason": "Extra inputs are not permitted"},
    ]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_price_rejected(value: str) -> None:
    # orjson cannot write NaN, so these are spelt out in the raw text a producer might send.
    text = PURCHASE_MESSAGE.replace("49.99", value).encode()
    assert [item["field"] for item in _errors(text, "v1")] == ["price"]


def test_non_finite_price_rejected_from_python() -> None:
    for value in (math.nan, math.inf):
        with pytest.raises(ValidationError, match="price"):
            Purchase.model_validate(message(price=value))


def test_too_long_and_too_short_strings_name_their_field() -> None:
    with pytest.raises(ValidationError) as caught:
        SellerWrite.model_validate({"seller_id": SPEC_MESSAGE["client_id"], "name": "x" * 201})
    assert field_errors(caught.value) == [
        {"field": "name", "reason": "String should have at most 200 characters"}
    ]


@pytest.mark.parametrize(
    "payload",
    [b"", b"{", b"[]", b'"purchase"', b"null", b"\xff\xfe"],
    ids=["empty", "truncated", "array", "string", "null", "not utf-8"],
)
def test_non_object_message_is_a_whole_message_error(payload: bytes) -> None:
    errors = _errors(payload, "v2")
    assert [item["field"] for item in errors] == ["$"]


def test_all_errors_are_reported_at_once() -> None:
    bad = message(purchase_id="x", quantity=0, price=-1, timestamp=..., extra=1)
    errors = _errors(orjson.dumps(bad), "v1")
    assert {item["field"] for item in errors} == {
        "purchase_id",
        "quantity",
        "price",
        "timestamp",
        "extra",
    }
    with pytest.raises(ValidationError) as caught:
        Purchase.model_validate(bad)
    summary = describe_errors(caught.value)
    assert summary.startswith("purchase_id: ")
    assert "timestamp: Field required" in summary


def test_errors_do_not_echo_the_input() -> None:
    # Reasons go to logs and the dead-letter topic; they must not copy what was sent.
    secret = "ivan@example.com-not-a-uuid"
    errors = _errors(orjson.dumps(message(client_id=secret)), "v1")
    assert secret not in repr(errors)


def test_python_values_from_databases_are_accepted() -> None:
    # Rows from PostgreSQL/Delta/pandas arrive as UUID, datetime, Decimal and numpy values.
    parsed = Purchase.model_validate_json(PURCHASE_MESSAGE)
    native: dict[str, Any] = dict(parsed)
    native["quantity"] = np.int64(3)
    native["price"] = Decimal("49.99")
    again = PurchaseV2.model_validate(native)
    assert again.quantity == 3
    assert again.price == 49.99
    assert again.timestamp == parsed.timestamp


def test_naive_datetime_object_rejected() -> None:
    with pytest.raises(ValidationError, match="timestamp"):
        Purchase.model_validate(message(timestamp=datetime(2025, 4, 6, 12)))
