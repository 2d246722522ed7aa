"""Accepting purchases exactly once per id: claim the id, publish to Kafka, mark it published.

Kafka cannot be asked whether a purchase id was already sent, so the API keeps a record per id
in PostgreSQL (`api_idempotency`): the SHA-256 of the purchase's canonical message and the
answer given. The claim is taken *before* publishing, in one statement for the whole request,
so two different bodies with one id can never both reach the topic. `published_at` is set after
the broker acknowledged, by `PublishedMarks` in the background. A repeat of a published purchase
gets the stored answer without a second message; a repeat of a claimed but unmarked one (the
broker was away, or the mark is not written yet and the process that published it is another)
is published again, which is safe because the message key is the purchase id and every sink
keeps one row per id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal, NamedTuple

from api.pg_connections import PgConnections
from api.published_marks import PublishedMarks
from api.purchase_publisher import PurchasePublisher
from shop_analytics.contracts.purchase_encoding import EncodedPurchase

ENTITY = "purchase"
Status = Literal["accepted", "conflict", "unavailable"]


class Outcome(NamedTuple):
    """What happened to one purchase of a request; `message` explains a non-acceptance."""

    status: Status
    message: str | None = None


ACCEPTED = Outcome("accepted")
CONFLICT = Outcome("conflict", "a different purchase with this purchase_id was already accepted")


# The stored answer is built by the server from id and version. Arrays are sent in binary (%b):
# psycopg writes the text form of 1000 ids and hashes in Python, six times slower.
_CLAIM_MANY = (
    "INSERT INTO api_idempotency (entity, id, body_sha256, response) "
    "SELECT %b, id::uuid, sha, jsonb_build_object('purchase_id', id, "
    "'status', 'accepted', 'schema_version', version) "
    "FROM unnest(%b::text[], %b::bytea[], %b::text[]) AS t(id, sha, version) "
    "ON CONFLICT (entity, id) DO NOTHING"
)
_CLAIM_ONE = (
    "INSERT INTO api_idempotency (entity, id, body_sha256, response) "
    "VALUES (%b, %b::text::uuid, %b, jsonb_build_object('purchase_id', %b::text, "
    "'status', 'accepted', 'schema_version', %b::text)) "
    "ON CONFLICT (entity, id) DO NOTHING"
)


def accepted_answer(purchase_id: str, version: str) -> dict[str, str]:
    """The answer to an accepted purchase; `api_idempotency.response` holds the same."""
    return {"purchase_id": purchase_id, "status": "accepted", "schema_version": version}


class PurchaseIntake:
    def __init__(
        self, pg: PgConnections, publisher: PurchasePublisher, marks: PublishedMarks
    ) -> None:
        self._pg = pg
        self._publisher = publisher
        self._marks = marks

    def accept(self, purchases: Sequence[EncodedPurchase]) -> list[Outcome]:
        """Claim, publish and record purchases; one outcome per purchase, in order."""
        firsts: dict[str, int] = {}
        repeats: list[int] = []
        for index, purchase in enumerate(purchases):
            if firsts.setdefault(purchase.purchase_id, index) != index:
                repeats.append(index)  # the same id twice in one request
        unique = [purchases[index] for index in firsts.values()]
        digests = [_digest(purchase) for purchase in unique]
        settled = self._claim_and_publish(unique, digests) if unique else []
        outcomes = dict(zip(firsts.values(), settled, strict=True))
        if repeats:
            digest_of = dict(zip(firsts, digests, strict=True))
            for index in repeats:
                purchase_id = purchases[index].purchase_id
                same = _digest(purchases[index]) == digest_of[purchase_id]
                outcomes[index] = outcomes[firsts[purchase_id]] if same else CONFLICT
        return [outcomes[index] for index in range(len(purchases))]

    def _claim_and_publish(
        self, items: list[EncodedPurchase], digests: list[bytes]
    ) -> list[Outcome]:
        ids = [item.purchase_id for item in items]
        with self._pg.connection() as conn:
            if len(items) == 1:  # the single endpoint: plain parameters cost half of arrays
                claim = (ENTITY, ids[0], digests[0], ids[0], items[0].version)
                claimed = conn.execute(_CLAIM_ONE, claim, binary=True).rowcount
            else:
                claim_many = (ENTITY, ids, digests, [item.version for item in items])
                claimed = conn.execute(_CLAIM_MANY, claim_many, binary=True).rowcount
            # Usually every id is new; otherwise read the rows of all of them (the ones just
            # claimed read as claimed and unmarked, and are published like any such row).
            existing: dict[str, dict[str, Any]] = (
                {}
                if claimed == len(items)
                else {
                    row["id"]: row
                    for row in conn.execute(
                        "SELECT id::text AS id, body_sha256, published_at FROM api_idempotency "
                        "WHERE entity = %b AND id = ANY(%b::text[]::uuid[])",
                        (ENTITY, ids),
                    )
                }
            )

        outcomes: list[Outcome] = [ACCEPTED] * len(items)
        to_publish: list[int] = []
        for position, item in enumerate(items):
            row = existing.get(item.purchase_id)
            if row is None:
                to_publish.append(position)
            elif bytes(row["body_sha256"]) != digests[position]:
                outcomes[position] = CONFLICT
            elif row["published_at"] is None and not self._marks.is_pending(item.purchase_id):
                to_publish.append(position)
        if not to_publish:
            return outcomes

        failures = self._publisher.publish(
            [
                (items[p].purchase_id.encode(), items[p].message, items[p].version)
                for p in to_publish
            ]
        )
        delivered: list[str] = []
        for position, failure in zip(to_publish, failures, strict=True):
            if failure is None:
                delivered.append(items[position].purchase_id)
            else:
                outcomes[position] = Outcome("unavailable", f"not published: {failure}")
        self._marks.add(delivered)
        return outcomes


def _digest(purchase: EncodedPurchase) -> bytes:
    # The canonical message, not the request bytes: key order, spacing or 2 vs 2.0 do not
    # make a different purchase.
    return hashlib.sha256(purchase.message).digest()
