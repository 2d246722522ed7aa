"""The OpenAPI 3.1 document, generated from the contract models and the operation table below.

OpenAPI 3.1 schemas are JSON Schema 2020-12, so pydantic's JSON Schema of each contract model is
used as it is (`#/components/schemas/<Model>`): the document cannot drift from the validation.
A test checks that the operations here and the app's routes are the same set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from api import entity_models as bodies
from api import responses
from api.auth import READ_SCHEME, WRITE_SCHEME
from api.routes.common import MAX_PAGE
from shop_analytics.contracts import Client, ProductV2, PurchaseV2, Seller
from shop_analytics.contracts.purchase import SPEC_EXAMPLE

_ERRORS = {
    400: "Invalid data: each refused field and why",
    401: "Missing or invalid bearer token",
    403: "The read-only token cannot write",
    404: "No such id",
    409: "The id exists with different values",
    413: "Body (or batch) too large",
    415: "The body is not JSON",
    503: "Kafka, PostgreSQL or S3 is unavailable; retry after Retry-After seconds",
}
_WRITE_ERRORS = (400, 401, 403, 413, 415, 503)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    ok: type[BaseModel]
    ok_description: str
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    paged: bool = False
    tags: tuple[str, ...] = ()
    example: dict[str, Any] | None = None
    body_schema: dict[str, Any] | None = field(default=None)

    public: bool = False

    @property
    def writes(self) -> bool:
        return self.method in ("post", "put", "patch")


def _entity_operations(
    collection: str,
    noun: str,
    key: str,
    stored: type[BaseModel],
    page: type[BaseModel],
    create: type[BaseModel],
    replace: type[BaseModel],
    patch: type[BaseModel],
    create_note: str,
    batch_result: type[BaseModel],
) -> list[Operation]:
    base, one, tags = f"/api/{collection}", f"/api/{collection}/{{{key}}}", (collection,)
    batch = Operation(
        "post",
        f"{base}:batch",
        f"Add many {collection} in one write, with a result per item",
        batch_result,
        f"Every {noun} was stored, or already was with the same values (status accepted), "
        "but those whose id holds other values (status conflict). Repeating the batch gives "
        "the same answer.",
        body=create,
        errors=_WRITE_ERRORS,
        tags=tags,
        body_schema={
            "type": "array",
            "items": {"$ref": f"#/components/schemas/{create.__name__}"},
            "description": f"{collection.capitalize()}, each as for `POST {base}`, written in "
            "one statement. One invalid item makes the whole batch a 400 naming each bad "
            "field as `<index>.<field>`, and nothing is written; conflicts are reported per "
            "item. At most API_MAX_BATCH_ITEMS items (1000 by default).",
        },
    )
    return [batch,
        Operation("get", base, f"List {collection} by id", page, f"A page of {collection}",
                  errors=(400, 401, 503), paged=True, tags=tags),
        Operation("post", base, f"Add a {noun}", stored, f"The {noun} as stored; {create_note}",
                  body=create, errors=(*_WRITE_ERRORS, 409), tags=tags),
        Operation("get", one, f"Get a {noun}", stored, f"The {noun}",
                  errors=(400, 401, 404, 503), tags=tags),
        Operation("put", one, f"Add or replace a {noun}", stored,
                  f"The {noun} as stored (unchanged values change nothing)",
                  body=replace, errors=_WRITE_ERRORS, tags=tags),
        Operation("patch", one, f"Change some fields of a {noun}", stored,
                  f"The {noun} as stored", body=patch, errors=(*_WRITE_ERRORS, 404), tags=tags),
    ]  # fmt: skip


REPEAT_NOTE = "the same body again returns the stored row"
OPERATIONS: list[Operation] = [
    Operation("get", "/api/health", "Liveness", responses.Health, "The process answers",
              public=True),
    Operation(
        "post",
        "/api/purchases",
        "Add a purchase (published to Kafka)",
        responses.PurchaseAccepted,
        "Purchase added: Kafka acknowledged it (a repeated identical request gets the same answer)",
        body=PurchaseV2,
        errors=(*_WRITE_ERRORS, 409),
        tags=("purchases",),
        example=SPEC_EXAMPLE,
    ),
    Operation(
        "post",
        "/api/purchases:batch",
        "Add many purchases (published to Kafka), with a result per item",
        responses.BatchResult,
        "Every purchase was acknowledged by Kafka, but those whose id already holds another "
        "purchase (status conflict)",
        errors=_WRITE_ERRORS,
        tags=("purchases",),
        example=None,
        body_schema={
            "type": "array",
            "items": {"$ref": "#/components/schemas/PurchaseV2"},
            "description": "Purchases. One invalid item makes the whole batch a 400 naming "
            "each bad field as `<index>.<field>`; conflicts are reported per item. At most "
            "API_MAX_BATCH_ITEMS items (1000 by default).",
        },
    ),
    *_entity_operations("products", "product", "product_id", ProductV2, responses.ProductPage,
                        bodies.ProductCreate, bodies.ProductReplace, bodies.ProductPatch,
                        REPEAT_NOTE, responses.ProductBatchResult),
    *_entity_operations("sellers", "seller", "seller_id", Seller, responses.SellerPage,
                        bodies.SellerCreate, bodies.SellerReplace, bodies.SellerPatch, REPEAT_NOTE,
                        responses.SellerBatchResult),
    *_entity_operations("clients", "client", "client_id", Client, responses.ClientPage,
                        bodies.ClientCreate, bodies.ClientReplace, bodies.ClientPatch, REPEAT_NOTE,
                        responses.ClientBatchResult),
]  # fmt: skip


def openapi_document(
    title: str = "shop_analytics write API", version: str = "1.0.0"
) -> dict[str, Any]:
    models: set[type[BaseModel]] = {responses.ErrorBody}
    for op in OPERATIONS:
        models.add(op.ok)
        if op.body is not None:
            models.add(op.body)
    _, defs = models_json_schema(
        [(model, "validation") for model in sorted(models, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Adds and updates purchases (Kafka), products (Delta Lake on S3), "
            "sellers and clients (PostgreSQL). Writes need `Authorization: Bearer <API_TOKEN>`; "
            "reads take that token or the read-only `API_READ_TOKEN`. Liveness, this document "
            "and the docs page are public.",
        },
        "paths": paths,
        "components": {
            "schemas": defs.get("$defs", {}),
            "securitySchemes": {
                READ_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "API_READ_TOKEN: reads (GET) only",
                },
                WRITE_SCHEME: {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "API_TOKEN: writes and reads",
                },
            },
        },
    }


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(op: Operation) -> dict[str, Any]:
    name = op.path.removeprefix("/api/").replace("/{", "_by_").replace("}", "").replace(":", "_")
    result: dict[str, Any] = {
        "operationId": f"{op.method}_{name}".replace("/", "_"),
        "summary": op.summary,
        "responses": {"200": _json_response(op.ok_description, _ref(op.ok))},
    }
    if op.tags:
        result["tags"] = list(op.tags)
    parameters = [_path_parameter(part[1:-1]) for part in op.path.split("/") if part[:1] == "{"]
    if op.paged:
        parameters += [
            _query_parameter("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                       "default": 100}, "Items per page"),
            _query_parameter("offset", {"type": "integer", "minimum": 0,
                                        "maximum": 2**31 - 1, "default": 0}, "Items to skip"),
        ]  # fmt: skip
    if parameters:
        result["parameters"] = parameters
    schema = op.body_schema or (_ref(op.body) if op.body is not None else None)
    if schema is not None:
        media: dict[str, Any] = {"schema": schema}
        if op.example is not None:
            media["example"] = op.example
        result["requestBody"] = {"required": True, "content": {"application/json": media}}
    # Alternatives: a read takes either token, a write only the write token.
    if op.writes:
        result["security"] = [{WRITE_SCHEME: []}]
    elif not op.public:
        result["security"] = [{READ_SCHEME: []}, {WRITE_SCHEME: []}]
    for status in op.errors:
        response = _json_response(_ERRORS[status], _ref(responses.ErrorBody))
        if status == 503:
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying",
                    "required": True,
                    "schema": {"type": "integer", "minimum": 0},
                }
            }
        result["responses"][str(status)] = response
    return result


def _json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _path_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }


def _query_parameter(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}  # fmt: skip
