"""Every error code with the body it promises, and never a 500 or a stack trace."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from shop_analytics_tests.test_api.conftest import (
    AUTH,
    ApiPlace,
    api_config,
    new_id,
    purchase_body,
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _reasons(response: Any) -> dict[str, str]:
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    return {e["field"]: e["reason"] for e in response.json["errors"]}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"purchase_id": None}, "purchase_id", "UUID"),
        ({"client_id": "987e6543e21b45d3b123526714174000"}, "client_id", "8-4-4-4-12"),
        ({"quantity": "2"}, "quantity", "integer"),
        ({"quantity": 2.5}, "quantity", "integer"),
        ({"quantity": -1}, "quantity", "greater than 0"),
        ({"price": -0.01}, "price", "greater than or equal to 0"),
        ({"timestamp": "2025-04-06"}, "timestamp", "ISO 8601"),
        ({"timestamp": "2025-04-06T12:00:00"}, "timestamp", "time zone"),
        ({"timestamp": "2025-13-06T12:00:00Z"}, "timestamp", "month"),
        ({"coupon": "X"}, "coupon", "Extra inputs are not permitted"),
    ],
)
def test_each_bad_field_is_named_with_its_reason(
    client: FlaskClient, change: dict[str, Any], field: str, reason: str
) -> None:
    reasons = _reasons(client.post("/api/purchases", json=purchase_body(**change), headers=AUTH))
    assert list(reasons) == [field]
    assert reason in reasons[field]


def test_missing_fields_are_listed_together(client: FlaskClient) -> None:
    reasons = _reasons(client.post("/api/purchases", json={"quantity": 1}, headers=AUTH))
    assert reasons == dict.fromkeys(
        ["purchase_id", "client_id", "product_id", "price", "timestamp"], "Field required"
    )


def test_malformed_json_and_non_object_bodies_are_400(client: FlaskClient) -> None:
    headers = {**AUTH, "Content-Type": "application/json"}
    assert "Invalid JSON" in _reasons(client.post("/api/purchases", data="{", headers=headers))["$"]
    assert _reasons(client.post("/api/purchases", data="[1]", headers=headers))["$"]


def test_bad_id_in_the_path_is_400_naming_it(client: FlaskClient) -> None:
    assert "8-4-4-4-12" in _reasons(client.get("/api/products/42"))["product_id"]


def test_writes_without_a_valid_token_are_401(app: Flask) -> None:
    anonymous = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        response = anonymous.post("/api/purchases", json=purchase_body(), headers=headers)
        assert response.status_code == 401
        assert response.json["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # Reads need a token as well (test_auth).
    assert anonymous.get("/api/sellers?limit=1").status_code == 401


def test_body_that_is_not_json_is_415(client: FlaskClient) -> None:
    response = client.post(
        "/api/sellers", data="seller_id=1", headers={**AUTH, "Content-Type": "text/plain"}
    )
    assert response.status_code == 415
    assert response.json["error"] == "unsupported_media_type"
    assert "application/json" in response.json["message"]


def test_body_over_the_limit_is_413(client: FlaskClient) -> None:
    huge = {"seller_id": new_id(), "name": "x" * (300 * 1024)}
    response = client.post("/api/sellers", json=huge, headers=AUTH)
    assert response.status_code == 413
    assert response.json["error"] == "payload_too_large"


def test_unknown_route_and_method_are_json(client: FlaskClient) -> None:
    assert client.get("/api/nothing").json["error"] == "not_found"
    response = client.delete("/api/purchases", headers=AUTH)
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("variable", "method", "path", "body", "system"),
    [
        ("KAFKA_BOOTSTRAP_SERVERS", "post", "/api/purchases", "purchase", "Kafka"),
        ("POSTGRES_DSN", "post", "/api/purchases", "purchase", "PostgreSQL"),
        ("POSTGRES_DSN", "get", "/api/clients", None, "PostgreSQL"),
        ("S3_ENDPOINT_URL", "post", "/api/products", "product", "S3"),
        ("S3_ENDPOINT_URL", "get", "/api/products", None, "S3"),
    ],
)
def test_an_unreachable_backend_is_503_with_retry_after(
    place: ApiPlace, variable: str, method: str, path: str, body: str | None, system: str
) -> None:
    port = _closed_port()
    address = {
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{port}",
        "POSTGRES_DSN": f"postgresql://postgres@127.0.0.1:{port}/shop",
        "S3_ENDPOINT_URL": f"http://127.0.0.1:{port}",
    }[variable]
    app = create_app(
        api_config(kafka_timeout_s=1.0, retry_after_s=7), place.resources(**{variable: address})
    )
    payload = {
        "purchase": purchase_body(),
        "product": {"product_id": new_id(), "name": "n", "category": "c", "price": 1,
                    "available_stock": 1},
    }.get(body or "")  # fmt: skip
    try:
        response = getattr(app.test_client(), method)(path, json=payload, headers=AUTH)
    finally:
        app.extensions["shop_analytics_api"].close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.json == {
        "error": "service_unavailable",
        "message": response.json["message"],
    }
    assert system in response.json["message"]
    assert str(port) not in response.json["message"]  # details go to the log, not the caller
