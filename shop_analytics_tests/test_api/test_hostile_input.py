"""Injection-like and huge inputs are stored literally or refused, never executed."""

from __future__ import annotations

from flask.testing import FlaskClient

from shop_analytics.resources import PostgresResource
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, new_id

HOSTILE = [
    "Robert'); DROP TABLE sellers; --",
    "' OR '1'='1",
    "$$; SELECT pg_sleep(10); $$",
    "{{7*7}} ${7*7} <script>alert(1)</script>",
    "t.product_id = s.product_id OR 1=1",
    "😀 \u202e \\x00 %s %(name)s",
]


def test_sql_like_names_are_stored_literally_in_postgres(
    client: FlaskClient, place: ApiPlace
) -> None:
    postgres: PostgresResource = place.resources()["postgres"]
    for text in HOSTILE:
        seller_id = new_id()
        response = client.post(
            "/api/sellers", json={"seller_id": seller_id, "name": text}, headers=AUTH
        )
        assert response.status_code == 200
        assert response.json["name"] == text
        (row,) = postgres.fetch("SELECT name FROM sellers WHERE seller_id = %s", (seller_id,))
        assert row["name"] == text
    assert postgres.fetch("SELECT to_regclass('sellers') IS NOT NULL AS present")[0]["present"]


def test_hostile_product_fields_are_stored_literally_in_delta(
    client: FlaskClient,
) -> None:
    for text in [*HOSTILE, "x" * 100]:
        body = {"product_id": new_id(), "name": text, "category": text, "price": 1.5,
                "available_stock": 2**31 - 1}  # fmt: skip
        assert client.post("/api/products", json=body, headers=AUTH).status_code == 200
        stored = client.get(f"/api/products/{body['product_id']}").json
        assert (stored["name"], stored["category"]) == (text, text)


def test_unstorable_and_oversized_values_are_refused(client: FlaskClient) -> None:
    nul = client.post("/api/sellers", json={"seller_id": new_id(), "name": "a\x00b"}, headers=AUTH)
    too_long = client.post("/api/sellers", json={"seller_id": new_id(), "name": "x" * 201},
                           headers=AUTH)  # fmt: skip
    product = {"product_id": new_id(), "name": "n", "category": "c", "price": 1,
               "available_stock": 2**31}  # fmt: skip
    overflow = client.post("/api/products", json=product, headers=AUTH)
    nested = client.post(
        "/api/purchases",
        data="[" * 100_000 + "]" * 100_000,
        headers={**AUTH, "Content-Type": "application/json"},
    )
    lone_surrogate = client.post(
        "/api/sellers",
        data=b'{"seller_id": "%s", "name": "\\ud800"}' % new_id().encode(),
        headers={**AUTH, "Content-Type": "application/json"},
    )

    assert [r.status_code for r in (nul, too_long, overflow, nested, lone_surrogate)] == [400] * 5
    assert nul.json["errors"] == [
        {"field": "name", "reason": "Text must not contain the NUL character (\\u0000)"}
    ]
    assert too_long.json["errors"][0]["field"] == "name"
    assert overflow.json["errors"][0]["field"] == "available_stock"
