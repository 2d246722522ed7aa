"""/api/sellers and /api/clients: rows upserted into PostgreSQL."""

from __future__ import annotations

from flask.testing import FlaskClient

from shop_analytics.resources import PostgresResource
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, new_id


def _postgres(place: ApiPlace) -> PostgresResource:
    postgres: PostgresResource = place.resources()["postgres"]
    return postgres


def test_seller_row_lands_in_postgres(client: FlaskClient, place: ApiPlace) -> None:
    seller_id = new_id()
    response = client.post(
        "/api/sellers", json={"seller_id": seller_id, "name": "Ромашка"}, headers=AUTH
    )

    assert response.status_code == 200
    assert response.json["created_at"] == response.json["updated_at"]
    (row,) = _postgres(place).fetch(
        "SELECT name, email FROM sellers WHERE seller_id = %s", (seller_id,)
    )
    assert row == {"name": "Ромашка", "email": None}


def test_seller_create_is_idempotent_and_conflicts_on_other_values(client: FlaskClient) -> None:
    body = {"seller_id": new_id(), "name": "A", "email": "a@example.com"}
    first = client.post("/api/sellers", json=body, headers=AUTH)
    again = client.post("/api/sellers", json=body, headers=AUTH)
    other = client.post("/api/sellers", json={**body, "name": "B"}, headers=AUTH)

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 409)
    assert again.json == first.json
    assert other.json["error"] == "conflict"


def test_seller_put_and_patch_update_only_on_change(client: FlaskClient, place: ApiPlace) -> None:
    seller_id = new_id()
    created = client.put(f"/api/sellers/{seller_id}", json={"name": "A"}, headers=AUTH).json
    unchanged = client.put(f"/api/sellers/{seller_id}", json={"name": "A"}, headers=AUTH).json
    patched = client.patch(
        f"/api/sellers/{seller_id}", json={"email": "new@example.com"}, headers=AUTH
    ).json

    assert unchanged == created  # same updated_at: nothing was written
    assert patched["email"] == "new@example.com" and patched["name"] == "A"
    assert patched["updated_at"] > created["updated_at"]
    assert patched["created_at"] == created["created_at"]
    (row,) = _postgres(place).fetch("SELECT email FROM sellers WHERE seller_id = %s", (seller_id,))
    assert row["email"] == "new@example.com"


def test_client_row_lands_in_postgres_with_its_zone(client: FlaskClient, place: ApiPlace) -> None:
    client_id = new_id()
    body = {"client_id": client_id, "first_name": "Иван", "last_name": "Иванов",
            "email": "ivan@example.com", "address": None,
            "registration_date": "2025-04-06T15:00:00+03:00"}  # fmt: skip

    response = client.post("/api/clients", json=body, headers=AUTH)

    assert response.status_code == 200
    assert response.json["registration_date"] == "2025-04-06T12:00:00Z"
    (row,) = _postgres(place).fetch(
        "SELECT first_name, registration_date::text AS at FROM clients WHERE client_id = %s",
        (client_id,),
    )
    assert row["first_name"] == "Иван"
    assert row["at"].startswith("2025-04-06 12:00:00")


def test_client_patch_can_null_a_nullable_column_but_not_skip_validation(
    client: FlaskClient,
) -> None:
    client_id = new_id()
    full = {"first_name": "A", "last_name": "B", "email": "a@b", "address": "x",
            "registration_date": None}  # fmt: skip
    client.put(f"/api/clients/{client_id}", json=full, headers=AUTH)

    nulled = client.patch(f"/api/clients/{client_id}", json={"address": None}, headers=AUTH)
    too_long = client.patch(f"/api/clients/{client_id}", json={"email": "x" * 151}, headers=AUTH)

    assert nulled.status_code == 200 and nulled.json["address"] is None
    assert too_long.status_code == 400
    assert too_long.json["errors"][0]["field"] == "email"


def test_unknown_seller_and_client_are_404(client: FlaskClient) -> None:
    missing = new_id()
    assert client.get(f"/api/sellers/{missing}").status_code == 404
    assert client.get(f"/api/clients/{missing}").status_code == 404
    patch = client.patch(f"/api/sellers/{missing}", json={"name": "x"}, headers=AUTH)
    assert patch.status_code == 404
    assert patch.json == {"error": "not_found", "message": f"no seller with id {missing}"}
