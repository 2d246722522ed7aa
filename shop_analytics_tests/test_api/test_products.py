"""/api/products: MERGEs into the Delta table, with updated_at set by the server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.testing import FlaskClient

from shop_analytics.contracts.arrow_schemas import product_arrow_schema
from shop_analytics.resources import LakeResource
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, new_id


def _lake(place: ApiPlace) -> LakeResource:
    lake: LakeResource = place.resources()["lake"]
    return lake


def _product(**changes: Any) -> dict[str, Any]:
    body = {
        "product_id": new_id(),
        "name": "Смартфон",
        "category": "Электроника",
        "price": 499.99,
        "available_stock": 12,
    }
    return {**body, **changes}


def test_create_merges_a_new_delta_version_with_the_contract_schema(
    client: FlaskClient, place: ApiPlace
) -> None:
    client.post("/api/products", json=_product(), headers=AUTH)  # the table exists from here
    lake = _lake(place)
    version = lake.version("products")
    body = _product()

    response = client.post("/api/products", json=body, headers=AUTH)

    assert response.status_code == 200
    stored = response.json
    assert {k: stored[k] for k in body} == body
    assert stored["seller_id"] is None
    assert datetime.fromisoformat(stored["updated_at"]).tzinfo is not None
    assert lake.version("products") == version + 1
    table = lake.read("products")
    (row,) = [r for r in table.to_pylist() if r["product_id"] == body["product_id"]]
    assert row["price"] == 499.99 and row["available_stock"] == 12
    assert [(f.name, str(f.type)) for f in table.schema] == [
        (f.name, str(f.type).replace("[ms,", "[us,")) for f in product_arrow_schema()
    ]  # Delta stores timestamps in microseconds; the values are whole milliseconds


def test_repeated_create_returns_the_first_result_and_writes_nothing(
    client: FlaskClient, place: ApiPlace
) -> None:
    body = _product()
    first = client.post("/api/products", json=body, headers=AUTH)
    version = _lake(place).version("products")

    again = client.post("/api/products", json=body, headers=AUTH)

    assert again.status_code == 200
    assert again.json == first.json
    assert _lake(place).version("products") == version


def test_create_with_an_existing_id_and_other_values_is_409(client: FlaskClient) -> None:
    body = _product()
    client.post("/api/products", json=body, headers=AUTH)

    response = client.post("/api/products", json={**body, "price": 1.0}, headers=AUTH)

    assert response.status_code == 409
    assert response.json["error"] == "conflict"
    assert client.get(f"/api/products/{body['product_id']}").json["price"] == 499.99


def test_patch_changes_one_field_and_moves_updated_at(client: FlaskClient) -> None:
    body = _product()
    created = client.post("/api/products", json=body, headers=AUTH).json
    seller = new_id()

    patched = client.patch(
        f"/api/products/{body['product_id']}",
        json={"available_stock": 3, "seller_id": seller},
        headers=AUTH,
    )

    assert patched.status_code == 200
    assert patched.json == {
        **created,
        "available_stock": 3,
        "seller_id": seller,
        "updated_at": patched.json["updated_at"],
    }
    assert patched.json["updated_at"] > created["updated_at"]
    assert client.get(f"/api/products/{body['product_id']}").json == patched.json


def test_put_replaces_and_is_idempotent(client: FlaskClient, place: ApiPlace) -> None:
    product_id = new_id()
    replacement = {"name": "Ноутбук", "category": "Электроника", "price": 999.0,
                   "available_stock": 1, "seller_id": None}  # fmt: skip
    first = client.put(f"/api/products/{product_id}", json=replacement, headers=AUTH)
    version = _lake(place).version("products")
    again = client.put(f"/api/products/{product_id}", json=replacement, headers=AUTH)

    assert first.status_code == again.status_code == 200
    assert again.json == first.json
    assert _lake(place).version("products") == version


def test_unknown_product_is_404_for_get_and_patch(client: FlaskClient) -> None:
    missing = new_id()
    assert client.get(f"/api/products/{missing}").status_code == 404
    response = client.patch(f"/api/products/{missing}", json={"price": 1}, headers=AUTH)
    assert response.status_code == 404
    assert response.json == {"error": "not_found", "message": f"no product with id {missing}"}


def test_list_is_ordered_by_id_and_paged(client: FlaskClient) -> None:
    for _ in range(3):
        client.post("/api/products", json=_product(), headers=AUTH)
    everything = client.get("/api/products?limit=1000").json["items"]
    ids = [item["product_id"] for item in everything]
    assert ids == sorted(ids) and len(ids) >= 3
    assert client.get("/api/products?limit=2&offset=1").json["items"] == everything[1:3]
