"""Every value the API accepts is one every store holds and reads back; the rest is a 400."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from shop_analytics_tests.test_api.conftest import AUTH, new_id

OUT_OF_RANGE = [
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC: stored by PostgreSQL, unreadable after
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    "1899-12-31T23:59:59Z",
    "2262-01-01T00:00:00Z",
]


def _client_body(registration_date: str | None) -> dict[str, object]:
    return {"client_id": new_id(), "first_name": "A", "last_name": "B", "email": None,
            "address": None, "registration_date": registration_date}  # fmt: skip


def _field_reasons(response: object) -> dict[str, str]:
    return {item["field"]: item["reason"] for item in response.json["errors"]}  # type: ignore[attr-defined]


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_client_dates_no_store_reads_back_are_refused_on_every_write(
    client: FlaskClient, moment: str
) -> None:
    created = client.post("/api/clients", json=_client_body("2001-02-03T04:05:06Z"), headers=AUTH)
    assert created.status_code == 200
    path = f"/api/clients/{created.json['client_id']}"
    body = _client_body(moment)
    replace = {k: v for k, v in body.items() if k != "client_id"}
    answers = [
        client.post("/api/clients", json=body, headers=AUTH),
        client.post("/api/clients:batch", json=[body], headers=AUTH),
        client.put(path, json=replace, headers=AUTH),
        client.patch(path, json={"registration_date": moment}, headers=AUTH),
    ]

    assert [a.status_code for a in answers] == [400] * 4
    assert "registration_date" in _field_reasons(answers[0])
    assert "0.registration_date" in _field_reasons(answers[1])
    # Nothing poisoned: the row and the listing still read.
    assert client.get(path).json["registration_date"] == "2001-02-03T04:05:06Z"
    assert client.get(f"/api/clients/{body['client_id']}").status_code == 404
    assert client.get("/api/clients?limit=1000").status_code == 200


@pytest.mark.parametrize("moment", ["1900-01-01T00:00:00Z", "2262-01-01T13:59:59+14:00"])
def test_client_dates_at_the_edges_round_trip(client: FlaskClient, moment: str) -> None:
    body = _client_body(moment)
    assert client.post("/api/clients", json=body, headers=AUTH).status_code == 200
    assert client.get(f"/api/clients/{body['client_id']}").status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("name", "x" * 201), ("name", "a\x00b"),
     ("category", ""), ("category", "c" * 101), ("category", "\x00")],
)  # fmt: skip
def test_product_name_and_category_are_bounded_text(
    client: FlaskClient, field: str, value: str
) -> None:
    body = {"product_id": new_id(), "name": "n", "category": "c", "price": 1.0,
            "available_stock": 1, field: value}  # fmt: skip
    created = client.post("/api/products", json=body, headers=AUTH)
    patched = client.patch(f"/api/products/{new_id()}", json={field: value}, headers=AUTH)

    assert (created.status_code, patched.status_code) == (400, 400)
    assert field in _field_reasons(created) and field in _field_reasons(patched)


def test_product_name_at_its_bound_is_stored(client: FlaskClient) -> None:
    body = {"product_id": new_id(), "name": "я" * 200, "category": "к" * 100, "price": 1.0,
            "available_stock": 1}  # fmt: skip
    assert client.post("/api/products", json=body, headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("path", "raw", "key"),
    [
        ("/api/sellers", b'{"seller_id": "%s", "name": "A", "name": "B"}', "name"),
        ("/api/purchases", b'{"purchase_id": "%s", "quantity": 1, "quantity": 2}', "quantity"),
        ("/api/clients:batch", b'[{"client_id": "%s", "email": null, "email": null}]', "email"),
    ],
)
def test_a_key_twice_in_one_object_is_400(
    client: FlaskClient, path: str, raw: bytes, key: str
) -> None:
    response = client.post(
        path, data=raw % new_id().encode(), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json["errors"][0]["field"] == key
    assert "twice" in response.json["errors"][0]["reason"]
