"""Accepting purchases exactly once per id: claim the id, publish to Kafka, mark it published.

Kafka cannot be asked whether a purchase id was already sent, so the API keeps a record per id
in PostgreSQL (`api_idempotency`): the SHA-256 of the purchase's canonical message and the
answer given. The claim is taken *before* publishing, so two different bodies with one id can
never both reach the topic; `published_at` is set after the broker acknowledged. A repeat of a
published purchase gets the stored answer without a second message; a repeat of a claimed but
unpublished one (the broker was away) is published again, which is safe because the message
key is the purchase id and every sink keeps one row per id.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

from api.pg_connections import PgConnections
from api.purchase_publisher import PurchasePublisher
from shop_analytics.contracts import PurchaseV2, purchase_message

ENTITY = "purchase"
Status = Literal["accepted", "conflict", "unavailable"]


@dataclass
class ItemResult:
    """What happened to one purchase of a request."""

    index: int
    purchase_id: str
    status: Status
    schema_version: str | None = None
    message: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"index": self.index, "purchase_id": self.purchase_id}
        body["status"] = self.status
        if self.schema_version is not None:
            body["schema_version"] = self.schema_version
        if self.message is not None:
            body["message"] = self.message
        return body


@dataclass
class _Pending:
    index: int
    uuid: UUID
    purchase_id: str
    message: bytes
    sha256: bytes
    version: str
    repeats: list[int] = field(default_factory=list)


def accepted_answer(purchase_id: str, version: str) -> dict[str, str]:
    """The answer to an accepted purchase; `api_idempotency.response` holds the same."""
    return {"purchase_id": purchase_id, "status": "accepted", "schema_version": version}


class PurchaseIntake:
    def __init__(self, pg: PgConnections, publisher: PurchasePublisher) -> None:
        self._pg = pg
        self._publisher = publisher

    def accept(self, purchases: list[tuple[int, PurchaseV2]]) -> list[ItemResult]:
        """Claim, publish and record `(index, purchase)` pairs; one result per pair."""
        results: dict[int, ItemResult] = {}
        firsts: dict[str, _Pending] = {}
        for index, purchase in purchases:
            pending = _pending(index, purchase)
            first = firsts.get(pending.purchase_id)
            if first is None:
                firsts[pending.purchase_id] = pending
            elif first.sha256 == pending.sha256:
                first.repeats.append(index)  # the same purchase twice in one batch
            else:
                results[index] = _conflict(index, pending.purchase_id)
        if firsts:
            self._claim_and_publish(list(firsts.values()), results)
        return [results[index] for index, _ in purchases]

    def _claim_and_publish(self, items: list[_Pending], results: dict[int, ItemResult]) -> None:
        with self._pg.connection() as conn:
            claimed = {
                str(row["id"])
                for row in conn.execute(
                    # The stored answer is built by the server from id and version: binary
                    # arrays of uuid, bytea and text cost far less to send than 1000 JSON texts.
                    "INSERT INTO api_idempotency (entity, id, body_sha256, response) "
                    "SELECT %s, id, sha, jsonb_build_object('purchase_id', id, "
                    "'status', 'accepted', 'schema_version', version) "
                    "FROM unnest(%s::uuid[], %s::bytea[], %s::text[]) AS t(id, sha, version) "
                    "ON CONFLICT (entity, id) DO NOTHING RETURNING id",
                    (
                        ENTITY,
                        [item.uuid for item in items],
                        [item.sha256 for item in items],
                        [item.version for item in items],
                    ),
                    binary=True,
                )
            }
            unclaimed = [item.uuid for item in items if item.purchase_id not in claimed]
            existing = (
                {
                    str(row["id"]): row
                    for row in conn.execute(
                        "SELECT id, body_sha256, published_at FROM api_idempotency "
                        "WHERE entity = %s AND id = ANY(%s::uuid[])",
                        (ENTITY, unclaimed),
                    )
                }
                if unclaimed
                else {}
            )

        to_publish: list[_Pending] = []
        for item in items:
            row = existing.get(item.purchase_id)
            if row is not None and bytes(row["body_sha256"]) != item.sha256:
                _settle(results, item, _conflict(item.index, item.purchase_id))
            elif row is not None and row["published_at"] is not None:
                _settle(results, item, _accepted(item))
            else:
                to_publish.append(item)
        if not to_publish:
            return

        outcomes = self._publisher.publish(
            [(item.purchase_id.encode(), item.message, item.version) for item in to_publish]
        )
        delivered: list[UUID] = []
        for item, failure in zip(to_publish, outcomes, strict=True):
            if failure is None:
                delivered.append(item.uuid)
                _settle(results, item, _accepted(item))
            else:
                _settle(results, item, _unavailable(item, failure))
        if delivered:
            with self._pg.connection() as conn:
                conn.execute(
                    "UPDATE api_idempotency SET published_at = now() "
                    "WHERE entity = %s AND id = ANY(%s::uuid[]) AND published_at IS NULL",
                    (ENTITY, delivered),
                    binary=True,
                )


def _pending(index: int, purchase: PurchaseV2) -> _Pending:
    message = purchase_message(purchase)
    return _Pending(
        index=index,
        uuid=purchase.purchase_id,
        purchase_id=str(purchase.purchase_id),
        message=message,
        # The canonical message, not the request bytes: key order, spacing or 2 vs 2.0 do not
        # make a different purchase.
        sha256=hashlib.sha256(message).digest(),
        # The oldest schema version that describes the message, so v1 readers keep working.
        version="v1" if purchase.seller_id is None else "v2",
    )


def _settle(results: dict[int, ItemResult], item: _Pending, result: ItemResult) -> None:
    results[item.index] = result
    for index in item.repeats:
        results[index] = ItemResult(**{**result.__dict__, "index": index})


def _accepted(item: _Pending) -> ItemResult:
    return ItemResult(item.index, item.purchase_id, "accepted", schema_version=item.version)


def _conflict(index: int, purchase_id: str) -> ItemResult:
    return ItemResult(
        index,
        purchase_id,
        "conflict",
        message="a different purchase with this purchase_id was already accepted",
    )


def _unavailable(item: _Pending, reason: str) -> ItemResult:
    return ItemResult(
        item.index, item.purchase_id, "unavailable", message=f"not published: {reason}"
    )
