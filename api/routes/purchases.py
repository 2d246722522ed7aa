"""`POST /api/purchases` (the spec's example body) and `POST /api/purchases:batch`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app
from pydantic import TypeAdapter, ValidationError

from api.errors import ApiError, BackendUnavailable, json_response, validation_error
from api.purchase_intake import accepted_answer
from api.request_body import json_body, parse_body
from api.routes.common import backends
from shop_analytics.contracts import PurchaseV2, field_errors

bp = Blueprint("purchases", __name__)
_BATCH: TypeAdapter[list[PurchaseV2]] = TypeAdapter(list[PurchaseV2])


@bp.post("/api/purchases")
def add_purchase() -> Response:
    purchase = parse_body(PurchaseV2)
    (result,) = backends().purchases.accept([(0, purchase)])
    if result.status == "conflict":
        raise ApiError(409, result.message or "conflict")
    if result.status != "accepted":
        raise BackendUnavailable("Kafka", result.message or "not published")
    return json_response(accepted_answer(str(purchase.purchase_id), result.schema_version or "v1"))


@bp.post("/api/purchases:batch")
def add_purchases() -> Response:
    # All or nothing for validity: one pass over the whole array (pydantic's JSON parser, the
    # fast path), and a bad item makes a 400 that names every bad field as `<index>.<field>`;
    # nothing of such a batch is published. Conflicts are reported per item.
    try:
        purchases = _BATCH.validate_json(json_body())
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None
    limit: int = current_app.config["API_MAX_BATCH_ITEMS"]
    if len(purchases) > limit:
        message = f"{len(purchases)} purchases in one batch; at most {limit} are accepted"
        raise ApiError(413, message)
    results = backends().purchases.accept(list(enumerate(purchases))) if purchases else []
    ordered = [result.as_json() for result in results]
    body: dict[str, Any] = {
        "accepted": sum(r["status"] == "accepted" for r in ordered),
        "rejected": sum(r["status"] == "conflict" for r in ordered),
        "results": ordered,
    }
    if any(r["status"] == "unavailable" for r in ordered):
        retry_after = str(current_app.config["API_RETRY_AFTER_S"])
        unavailable = {
            "error": "service_unavailable",
            "message": "Kafka did not acknowledge every purchase; retry the batch later "
            "(accepted ones are not published twice)",
        }
        return json_response({**unavailable, **body}, 503, {"Retry-After": retry_after})
    return json_response(body)
