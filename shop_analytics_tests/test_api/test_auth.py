"""Reads need a token too: the read-only one or the write one; only the API's description is
public."""

from __future__ import annotations

import pytest
from flask import Flask

from api.config import ApiConfig, ConfigError
from shop_analytics_tests.test_api.conftest import AUTH, READ_AUTH, new_id

READS = [
    "/api/clients?limit=1000&offset=0",
    "/api/sellers",
    "/api/products",
    *(f"/api/{kind}/{new_id()}" for kind in ("clients", "sellers", "products")),
]
PUBLIC = ["/api/health", "/api/openapi.json", "/api/docs"]


@pytest.mark.parametrize("path", READS)
def test_reads_without_a_valid_token_are_refused(app: Flask, path: str) -> None:
    anonymous = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        response = anonymous.get(path, headers=headers)
        assert response.status_code == 401, headers
        assert response.json["error"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", READS)
def test_either_token_reads(app: Flask, path: str) -> None:
    anonymous = app.test_client()
    for headers in (READ_AUTH, AUTH):
        assert anonymous.get(path, headers=headers).status_code in (200, 404)


def test_the_read_token_cannot_write(app: Flask) -> None:
    body = {"seller_id": new_id(), "name": "R"}
    refused = app.test_client().post("/api/sellers", json=body, headers=READ_AUTH)
    assert (refused.status_code, refused.json["error"]) == (403, "forbidden")
    written = app.test_client().post("/api/sellers", json=body, headers=AUTH)
    assert written.status_code == 200


@pytest.mark.parametrize("path", PUBLIC)
def test_description_stays_public(app: Flask, path: str) -> None:
    assert app.test_client().get(path).status_code == 200


def test_document_says_which_token_each_operation_takes(app: Flask) -> None:
    document = app.test_client().get("/api/openapi.json").json
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == {"readToken", "writeToken"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/api/health":
                assert "security" not in operation
            elif method == "get":
                assert operation["security"] == [{"readToken": []}, {"writeToken": []}]
                assert "401" in operation["responses"]
            else:
                assert operation["security"] == [{"writeToken": []}]
                assert {"401", "403"} <= set(operation["responses"])


def test_read_token_comes_from_the_environment_and_differs_from_the_write_token() -> None:
    config = ApiConfig.from_environment({"API_TOKEN": "w", "API_READ_TOKEN": "r"})
    assert (config.token, config.read_token) == ("w", "r")
    assert ApiConfig.from_environment({"API_TOKEN": "w"}).read_token is None
    with pytest.raises(ConfigError):
        ApiConfig.from_environment({"API_TOKEN": "same", "API_READ_TOKEN": "same"})
