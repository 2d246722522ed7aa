"""The served OpenAPI document: every route in it, and the spec's purchase endpoint as written."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from shop_analytics.contracts.purchase import SPEC_EXAMPLE
from shop_analytics_tests.test_contracts import spec_text

# Served beside the document, not part of it.
_META_ROUTES = {
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/static/<path:filename>"),
}


def test_document_and_routes_are_the_same_set(app: Flask, client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").json
    assert document["openapi"] == "3.1.0"
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    routed = {
        (method, re.sub(r"<(\w+)>", r"{\1}", rule.rule))
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in ("HEAD", "OPTIONS")
    }
    assert documented == routed - _META_ROUTES


def test_purchase_operation_matches_the_spec(client: FlaskClient) -> None:
    document = client.get("/api/openapi.json").json
    operation = document["paths"]["/api/purchases"]["post"]
    media = operation["requestBody"]["content"]["application/json"]
    schema = document["components"]["schemas"][media["schema"]["$ref"].rsplit("/", 1)[1]]

    assert operation["requestBody"]["required"] is True
    assert media["example"] == SPEC_EXAMPLE
    assert schema["required"] == spec_text.PURCHASE_REQUIRED
    formats = {name: (prop.get("type"), prop.get("format"))
               for name, prop in schema["properties"].items()}  # fmt: skip
    assert {name: formats[name] for name in SPEC_EXAMPLE} == spec_text.PURCHASE_PROPERTY_TYPES
    assert {"200", "400"} <= set(operation["responses"])
    assert operation["security"] == [{"writeToken": []}]


def test_docs_page_loads_the_document(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert page.mimetype == "text/html"
    assert b'fetch("/api/openapi.json")' in page.data
    assert b"persistAuthorization: false" in page.data
    assert b"http" not in page.data  # no external address: every file is served from here
