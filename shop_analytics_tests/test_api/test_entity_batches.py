"""POST /api/clients:batch, /api/sellers:batch, /api/products:batch on the real stores."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from shop_analytics.resources import LakeResource, PostgresResource
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, new_id


def client_body(**changes: Any) -> dict[str, Any]:
    body = {"client_id": new_id(), "first_name": "Иван", "last_name": "Иванов",
            "email": "ivan@example.com", "address": None,
            "registration_date": "1997-03-01T10:00:00+03:00"}  # fmt: skip
    return {**body, **changes}


def seller_body(**changes: Any) -> dict[str, Any]:
    return {"seller_id": new_id(), "name": "Ромашка", "email": None, **changes}


def product_body(**changes: Any) -> dict[str, Any]:
    body = {"product_id": new_id(), "name": "Чайник", "category": "Кухня", "price": 19.5,
            "available_stock": 3, "seller_id": None}  # fmt: skip
    return {**body, **changes}


ENTITIES = {
    "clients": ("client_id", client_body, {"first_name": "Пётр"}),
    "sellers": ("seller_id", seller_body, {"name": "Лютик"}),
    "products": ("product_id", product_body, {"price": 20.0}),
}


def _stored(place: ApiPlace, collection: str, key: str, ids: list[str]) -> set[str]:
    if collection == "products":
        lake: LakeResource = place.resources()["lake"]
        if not lake.exists("products"):
            return set()
        return set(lake.read("products")["product_id"].to_pylist()) & set(ids)
    postgres: PostgresResource = place.resources()["postgres"]
    query = f"SELECT {key}::text AS id FROM {collection} WHERE {key} = ANY(%s::uuid[])"
    rows = postgres.fetch(query, (ids,))
    return {row["id"] for row in rows}


@pytest.mark.parametrize("collection", sorted(ENTITIES))
def test_batch_stores_each_item_and_answers_per_item(
    client: FlaskClient, place: ApiPlace, collection: str
) -> None:
    key, body, change = ENTITIES[collection]
    items = [body() for _ in range(5)]
    items.append(dict(items[0]))  # the same item twice in one batch: one row, both accepted
    path = f"/api/{collection}:batch"

    first = client.post(path, json=items, headers=AUTH)
    again = client.post(path, json=items, headers=AUTH)

    assert first.status_code == 200, first.json
    assert first.json["accepted"] == 6 and first.json["rejected"] == 0
    assert [r["index"] for r in first.json["results"]] == list(range(6))
    assert [r[key] for r in first.json["results"]] == [i[key] for i in items]
    assert again.status_code == 200 and again.json == first.json, "a repeat gets the same answer"
    ids = [i[key] for i in items]
    assert _stored(place, collection, key, ids) == set(ids)
    # A single GET sees what the batch wrote.
    assert client.get(f"/api/{collection}/{ids[1]}").status_code == 200

    changed = [items[1], {**items[2], **change}, body()]
    answer = client.post(path, json=changed, headers=AUTH)
    assert answer.status_code == 200
    assert [r["status"] for r in answer.json["results"]] == ["accepted", "conflict", "accepted"]
    assert answer.json["rejected"] == 1
    assert key in answer.json["results"][1]["message"]


@pytest.mark.parametrize("collection", sorted(ENTITIES))
def test_one_bad_item_refuses_the_batch_and_writes_nothing(
    client: FlaskClient, place: ApiPlace, collection: str
) -> None:
    key, body, _change = ENTITIES[collection]
    good = [body() for _ in range(3)]
    bad_field = "email" if collection != "products" else "price"
    bad_value: object = "x" * 151 if collection != "products" else -1
    items = [good[0], {**good[1], bad_field: bad_value}, good[2], {"unknown": 1, **body()}]

    refused = client.post(f"/api/{collection}:batch", json=items, headers=AUTH)

    assert refused.status_code == 400
    assert {e["field"] for e in refused.json["errors"]} == {f"1.{bad_field}", "3.unknown"}
    assert _stored(place, collection, key, [i[key] for i in good]) == set()


def test_nul_text_is_named_by_index(client: FlaskClient) -> None:
    items = [client_body(), client_body(address="a\x00b")]
    refused = client.post("/api/clients:batch", json=items, headers=AUTH)
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json["errors"]] == ["1.address"]


def test_too_many_items_is_a_413(client: FlaskClient) -> None:
    # The test app accepts 100 items per batch.
    refused = client.post("/api/sellers:batch", json=[seller_body() for _ in range(101)],
                          headers=AUTH)  # fmt: skip
    assert refused.status_code == 413


def test_an_empty_batch_writes_nothing(client: FlaskClient) -> None:
    answer = client.post("/api/products:batch", json=[], headers=AUTH)
    assert answer.status_code == 200
    assert answer.json == {"accepted": 0, "rejected": 0, "results": []}
