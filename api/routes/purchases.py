"""`POST /api/purchases` (the spec's example body) and `POST /api/purchases:batch`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app

from api.errors import ApiError, BackendUnavailable, json_response
from api.purchase_intake import accepted_answer
from api.purchase_reading import read_batch, read_purchase
from api.request_body import json_body
from api.routes.common import backends

bp = Blueprint("purchases", __name__)


@bp.post("/api/purchases")
def add_purchase() -> Response:
    purchase = read_purchase(json_body())
    (outcome,) = backends().purchases.accept([purchase])
    if outcome.status == "conflict":
        raise ApiError(409, outcome.message or "conflict")
    if outcome.status != "accepted":
        raise BackendUnavailable("Kafka", outcome.message or "not published")
    return json_response(accepted_answer(purchase.purchase_id, purchase.version))


@bp.post("/api/purchases:batch")
def add_purchases() -> Response:
    # All or nothing for validity: a bad item makes a 400 that names every bad field as
    # `<index>.<field>`, and nothing of such a batch is published. Conflicts are per item.
    purchases = read_batch(json_body())
    limit: int = current_app.config["API_MAX_BATCH_ITEMS"]
    if len(purchases) > limit:
        message = f"{len(purchases)} purchases in one batch; at most {limit} are accepted"
        raise ApiError(413, message)
    outcomes = backends().purchases.accept(purchases) if purchases else []
    results: list[dict[str, Any]] = []
    counts = {"accepted": 0, "conflict": 0, "unavailable": 0}
    for index, (purchase, (status, reason)) in enumerate(zip(purchases, outcomes, strict=True)):
        counts[status] += 1
        item: dict[str, Any] = {"index": index, "purchase_id": purchase.purchase_id}
        item["status"] = status
        if status == "accepted":
            item["schema_version"] = purchase.version
        else:
            item["message"] = reason
        results.append(item)
    body = {"accepted": counts["accepted"], "rejected": counts["conflict"], "results": results}
    if counts["unavailable"]:
        retry_after = str(current_app.config["API_RETRY_AFTER_S"])
        unavailable = {
            "error": "service_unavailable",
            "message": "Kafka did not acknowledge every purchase; retry the batch later "
            "(accepted ones are not published twice)",
        }
        return json_response({**unavailable, **body}, 503, {"Retry-After": retry_after})
    return json_response(body)
