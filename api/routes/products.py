"""`/api/products`: MERGEs into the Delta products table; `updated_at` is set by the server."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from api.entity_batches import batch_answer, read_entity_batch
from api.entity_models import ProductCreate, ProductPatch, ProductReplace
from api.errors import json_response
from api.request_body import json_body, parse_body
from api.routes.common import backends, listing, not_found, page, path_id

bp = Blueprint("products", __name__)


@bp.get("/api/products")
def list_products() -> Response:
    current = page()
    return json_response(
        listing(backends().products.list_page(current.limit, current.offset), current)
    )


@bp.post("/api/products")
def create_product() -> Response:
    body = parse_body(ProductCreate)
    return json_response(backends().products.create(body.model_dump()))


@bp.post("/api/products:batch")
def create_products() -> Response:
    limit: int = current_app.config["API_MAX_BATCH_ITEMS"]
    items = [item.model_dump() for item in read_entity_batch(ProductCreate, json_body(), limit)]
    outcomes = backends().products.create_many(items) if items else []
    return json_response(batch_answer("product_id", [i["product_id"] for i in items], outcomes))


@bp.get("/api/products/<product_id>")
def get_product(product_id: str) -> Response:
    key = path_id("product_id", product_id)
    found = backends().products.get(key)
    if found is None:
        raise not_found("product", key)
    return json_response(found)


@bp.put("/api/products/<product_id>")
def replace_product(product_id: str) -> Response:
    key = path_id("product_id", product_id)
    body = parse_body(ProductReplace)
    return json_response(backends().products.replace(key, body.model_dump()))


@bp.patch("/api/products/<product_id>")
def patch_product(product_id: str) -> Response:
    key = path_id("product_id", product_id)
    body = parse_body(ProductPatch)
    updated = backends().products.patch(key, body.model_dump(exclude_unset=True))
    if updated is None:
        raise not_found("product", key)
    return json_response(updated)
