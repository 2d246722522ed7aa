"""Clients, products, sellers and the stage record: the spec's examples and the field rules."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from shop_analytics.contracts import (
    Client,
    Product,
    ProductV2,
    PurchaseRecord,
    Seller,
    SellerWrite,
    field_errors,
)
from shop_analytics_tests.test_contracts import spec_text

CLIENT_ID = "987e6543-e21b-45d3-b123-526714174000"
PRODUCT: dict[str, Any] = {
    "product_id": "543e2198-e89b-12d3-a456-426614174000",
    "name": "Смартфон",
    "category": "Электроника",
    "price": 499.99,
    "available_stock": 10,
    "updated_at": "2025-04-06T12:00:00Z",
}


def _fields(error: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [item["field"] for item in field_errors(error.value)]


def test_spec_purchase_record_validates() -> None:
    record = PurchaseRecord.model_validate_json(spec_text.PURCHASE_RECORD)
    assert record.client.first_name == "Иван"
    assert record.purchase.quantity == 2
    assert record.product.price == 499.99
    assert record.model_dump(mode="json") == json.loads(spec_text.PURCHASE_RECORD)


def test_purchase_record_has_exactly_the_spec_fields() -> None:
    spec = json.loads(spec_text.PURCHASE_RECORD)
    assert list(PurchaseRecord.model_fields) == list(spec)
    for part, model_field in PurchaseRecord.model_fields.items():
        model = model_field.annotation
        assert model is not None
        assert list(model.model_fields) == list(spec[part])


NESTED_BAD_VALUES: list[tuple[tuple[str, str], Any]] = [
    (("client", "email"), "x" * 151),
    (("client", "first_name"), "x" * 101),
    (("client", "client_id"), "not-a-uuid"),
    (("purchase", "quantity"), 0),
    (("purchase", "price"), "49.99"),
    (("purchase", "timestamp"), "2025-04-06T12:00:00"),
    (("product", "price"), -1),
    (("product", "category"), None),
    (("client", "phone"), "+7 900 000-00-00"),
]


@pytest.mark.parametrize(
    ("path", "value"), NESTED_BAD_VALUES, ids=[".".join(path) for path, _ in NESTED_BAD_VALUES]
)
def test_purchase_record_errors_name_the_nested_field(path: tuple[str, str], value: Any) -> None:
    record = copy.deepcopy(json.loads(spec_text.PURCHASE_RECORD))
    record[path[0]][path[1]] = value
    with pytest.raises(ValidationError) as caught:
        PurchaseRecord.model_validate(record)
    assert _fields(caught) == [".".join(path)]


def test_purchase_record_product_must_be_the_purchased_one() -> None:
    record = json.loads(spec_text.PURCHASE_RECORD)
    record["product"]["product_id"] = "123e4567-e89b-12d3-a456-426614174000"
    with pytest.raises(ValidationError, match=r"purchase\.product_id") as caught:
        PurchaseRecord.model_validate(record)
    assert _fields(caught) == ["product"]


def test_client_row_with_nulls_validates() -> None:
    # The spec's table lets every column but the key be NULL.
    client = Client.model_validate(
        {
            "client_id": UUID(CLIENT_ID),
            "first_name": None,
            "last_name": None,
            "email": None,
            "address": None,
            "registration_date": None,
        }
    )
    assert client.email is None


def test_client_rules() -> None:
    good = {
        "client_id": CLIENT_ID,
        "first_name": "Иван",
        "last_name": "Иванов",
        "email": "ivan@example.com",
        "address": "Москва",
        "registration_date": datetime(2025, 1, 1, tzinfo=UTC),
    }
    Client.model_validate(good)
    for field, value in [
        ("address", "x" * 251),
        ("last_name", "x" * 101),
        ("registration_date", "2025-01-01"),
        ("registration_date", datetime(2025, 1, 1)),
        ("client_id", 42),
    ]:
        with pytest.raises(ValidationError) as caught:
            Client.model_validate({**good, field: value})
        assert _fields(caught) == [field]
    with pytest.raises(ValidationError) as caught:
        Client.model_validate({key: value for key, value in good.items() if key != "email"})
    assert _fields(caught) == ["email"]  # a row always has all its columns


def test_product_rules() -> None:
    assert Product.model_validate(PRODUCT).available_stock == 10
    assert ProductV2.model_validate(PRODUCT).seller_id is None  # v1 data reads as v2
    for field, value in [
        ("available_stock", -1),
        ("available_stock", 1.5),
        ("price", float("nan")),
        ("updated_at", "2025-04-06T12:00:00"),
        ("product_id", "p-1"),
    ]:
        with pytest.raises(ValidationError) as caught:
            Product.model_validate({**PRODUCT, field: value})
        assert _fields(caught) == [field]
    with pytest.raises(ValidationError) as caught:
        Product.model_validate({**PRODUCT, "seller_id": None})
    assert _fields(caught) == ["seller_id"]


def test_seller_rules() -> None:
    body = {"seller_id": "0b7c6f4e-5d1a-4c2b-9e8f-7a6b5c4d3e2f", "name": "Ромашка"}
    assert SellerWrite.model_validate(body).email is None
    now = datetime(2025, 4, 6, tzinfo=UTC)
    Seller.model_validate({**body, "created_at": now, "updated_at": now})
    for field, value in [("name", ""), ("name", "x" * 201), ("email", "x" * 151)]:
        with pytest.raises(ValidationError) as caught:
            SellerWrite.model_validate({**body, field: value})
        assert _fields(caught) == [field]
    with pytest.raises(ValidationError) as caught:
        Seller.model_validate(body)
    assert _fields(caught) == ["created_at", "updated_at"]
