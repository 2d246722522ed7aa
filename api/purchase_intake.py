"""Accepting purchases exactly once per id: claim the id and publish it in one transaction.

Kafka cannot be asked whether a purchase id was already sent, so the API keeps a record per id
in PostgreSQL (`api_idempotency`): the SHA-256 of the purchase's canonical message and the
answer given. The claim (an INSERT) is taken before publishing and committed only after the
broker acknowledged, in one transaction:

* requests racing with the same id, in any worker, wait on the uncommitted row (PostgreSQL's
  unique index) and then find it published: one message however many race;
* a publish that fails rolls its claims back, so a retry claims and publishes afresh;
* two different bodies with one id can never both reach the topic (the later one is a 409).

A row left claimed but unpublished (`published_at` null, written before claims became
transactional) is locked, published and marked like a new claim.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal, NamedTuple

from api.pg_connections import PgConnection, PgConnections
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
# psycopg writes the text form of 1000 ids and hashes in Python, six times slower. Rows are
# claimed in id order, so two batches sharing ids wait on each other instead of deadlocking.
# `published_at` is true once committed: the transaction commits only after the acknowledgement.
_CLAIM_MANY = (
    "INSERT INTO api_idempotency (entity, id, body_sha256, response, published_at) "
    "SELECT %b, id::uuid, sha, jsonb_build_object('purchase_id', id, "
    "'status', 'accepted', 'schema_version', version), now() "
    "FROM unnest(%b::text[], %b::bytea[], %b::text[]) AS t(id, sha, version) ORDER BY id "
    "ON CONFLICT (entity, id) DO NOTHING RETURNING id::text"
)
_CLAIM_ONE = (
    "INSERT INTO api_idempotency (entity, id, body_sha256, response, published_at) "
    "VALUES (%b, %b::text::uuid, %b, jsonb_build_object('purchase_id', %b::text, "
    "'status', 'accepted', 'schema_version', %b::text), now()) "
    "ON CONFLICT (entity, id) DO NOTHING"
)
_LOCK_EXISTING = (
    "SELECT id::text AS id, body_sha256, published_at FROM api_idempotency "
    "WHERE entity = %b AND id = ANY(%b::text[]::uuid[]) ORDER BY id FOR UPDATE"
)


def accepted_answer(purchase_id: str, version: str) -> dict[str, str]:
    """The answer to an accepted purchase; `api_idempotency.response` holds the same."""
    return {"purchase_id": purchase_id, "status": "accepted", "schema_version": version}


class PurchaseIntake:
    def __init__(self, pg: PgConnections, publisher: PurchasePublisher) -> None:
        self._pg = pg
        self._publisher = publisher

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
        # The connection is held while Kafka acknowledges: its wait counts in the deadline.
        with (
            self._pg.connection(extra_s=self._publisher.timeout_s) as conn,
            conn.transaction(),
        ):
            claimed = self._claim(conn, items, digests)
            outcomes: list[Outcome] = [ACCEPTED] * len(items)
            to_publish = [
                position for position, item in enumerate(items) if item.purchase_id in claimed
            ]
            if len(claimed) < len(items):
                existing = {
                    row["id"]: row
                    for row in conn.execute(_LOCK_EXISTING, (ENTITY, sorted(set(ids) - claimed)))
                }
                for position, item in enumerate(items):
                    row = existing.get(item.purchase_id)
                    if row is None:
                        continue
                    if bytes(row["body_sha256"]) != digests[position]:
                        outcomes[position] = CONFLICT
                    elif row["published_at"] is None:
                        to_publish.append(position)
            if not to_publish:
                return outcomes

            # All undelivered: BackendUnavailable rolls every claim back.
            failures = self._publisher.publish(
                [
                    (items[p].purchase_id.encode(), items[p].message, items[p].version)
                    for p in to_publish
                ]
            )
            unclaim: list[str] = []  # a retry of these must claim and publish them again
            mark: list[str] = []  # unpublished rows found, now published
            for position, failure in zip(to_publish, failures, strict=True):
                purchase_id = items[position].purchase_id
                if failure is not None:
                    outcomes[position] = Outcome("unavailable", f"not published: {failure}")
                    if purchase_id in claimed:
                        unclaim.append(purchase_id)
                elif purchase_id not in claimed:
                    mark.append(purchase_id)
            if unclaim:
                conn.execute(
                    "DELETE FROM api_idempotency "
                    "WHERE entity = %b AND id = ANY(%b::text[]::uuid[])",
                    (ENTITY, unclaim),
                )
            if mark:
                conn.execute(
                    "UPDATE api_idempotency SET published_at = now() WHERE entity = %b "
                    "AND id = ANY(%b::text[]::uuid[]) AND published_at IS NULL",
                    (ENTITY, mark),
                )
        return outcomes

    @staticmethod
    def _claim(conn: PgConnection, items: list[EncodedPurchase], digests: list[bytes]) -> set[str]:
        """The ids newly claimed (waits for uncommitted claims of the same ids to settle)."""
        ids = [item.purchase_id for item in items]
        if len(items) == 1:  # the single endpoint: plain parameters cost half of arrays
            claim = (ENTITY, ids[0], digests[0], ids[0], items[0].version)
            return set(ids) if conn.execute(_CLAIM_ONE, claim, binary=True).rowcount else set()
        claim_many = (ENTITY, ids, digests, [item.version for item in items])
        return {row["id"] for row in conn.execute(_CLAIM_MANY, claim_many, binary=True)}


def _digest(purchase: EncodedPurchase) -> bytes:
    # The canonical message, not the request bytes: key order, spacing or 2 vs 2.0 do not
    # make a different purchase.
    return hashlib.sha256(purchase.message).digest()
