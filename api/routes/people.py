"""`/api/sellers` and `/api/clients`: the same operations on a PostgreSQL table each."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from api.entity_batches import batch_answer, read_entity_batch
from api.entity_models import (
    ClientCreate,
    ClientPatch,
    ClientReplace,
    SellerCreate,
    SellerPatch,
    SellerReplace,
)
from api.errors import json_response
from api.pg_entities import PgEntityStore
from api.request_body import json_body, parse_body, reject_nul_text
from api.routes.common import backends, listing, not_found, page, path_id
from shop_analytics.contracts.contract_model import ContractModel


def entity_blueprint(
    collection: str,
    noun: str,
    key_name: str,
    create: type[ContractModel],
    replace: type[ContractModel],
    patch: type[ContractModel],
) -> Blueprint:
    bp = Blueprint(collection, __name__)
    base = f"/api/{collection}"
    one = f"{base}/<{key_name}>"

    def store() -> PgEntityStore:
        found: PgEntityStore = getattr(backends(), collection)
        return found

    @bp.get(base)
    def list_all() -> Response:
        current = page()
        return json_response(listing(store().list_page(current.limit, current.offset), current))

    @bp.post(base)
    def add() -> Response:
        body = parse_body(create)
        values = body.model_dump(exclude={key_name})
        reject_nul_text(values)
        return json_response(store().create(getattr(body, key_name), values))

    @bp.post(f"{base}:batch")
    def add_many() -> Response:
        limit: int = current_app.config["API_MAX_BATCH_ITEMS"]
        items = read_entity_batch(create, json_body(), limit, postgres_text=True)
        rows = [(getattr(item, key_name), item.model_dump(exclude={key_name})) for item in items]
        outcomes = store().create_many(rows) if rows else []
        return json_response(batch_answer(key_name, [key for key, _ in rows], outcomes))

    @bp.get(one)
    def get_one(**path: str) -> Response:
        entity_id = path_id(key_name, path[key_name])
        found = store().get(entity_id)
        if found is None:
            raise not_found(noun, entity_id)
        return json_response(found)

    @bp.put(one)
    def replace_one(**path: str) -> Response:
        entity_id = path_id(key_name, path[key_name])
        values = parse_body(replace).model_dump()
        reject_nul_text(values)
        return json_response(store().replace(entity_id, values))

    @bp.patch(one)
    def patch_one(**path: str) -> Response:
        entity_id = path_id(key_name, path[key_name])
        changes = parse_body(patch).model_dump(exclude_unset=True)
        reject_nul_text(changes)
        updated = store().patch(entity_id, changes)
        if updated is None:
            raise not_found(noun, entity_id)
        return json_response(updated)

    return bp


sellers = entity_blueprint(
    "sellers", "seller", "seller_id", SellerCreate, SellerReplace, SellerPatch
)
clients = entity_blueprint(
    "clients", "client", "client_id", ClientCreate, ClientReplace, ClientPatch
)
