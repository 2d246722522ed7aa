"""Reading purchase bodies: the streaming ingestor's fast check first, pydantic for the rest.

pydantic builds a model per purchase and serialises it again for Kafka (~10 ms per 1000
purchases); `shop_analytics.streaming.decoding.check_purchase` applies the same rules to orjson's
dicts (its tests hold it equal to the contract, message by message) and its rows become the
canonical message directly, in about half that time. Whatever it does not accept (a bad item, a date
outside ClickHouse's range, JSON orjson refuses) goes through pydantic exactly as before, so
the verdicts and the 400's field errors are the contract's own. The canonical message must be
byte-for-byte what `contracts.purchase_message` writes, because its SHA-256 is the idempotency
check: only timestamps pydantic writes back unchanged are copied, other forms are re-rendered by
pydantic (a test compares both paths on the contract's cases and on random messages).
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

import orjson
from pydantic import TypeAdapter, ValidationError

from api.errors import validation_error
from shop_analytics.contracts import PurchaseV2, field_errors, purchase_message
from shop_analytics.streaming.decoding import FIELDS_BY_VERSION, PurchaseRow, check_purchase

_V2_FIELDS: Final = FIELDS_BY_VERSION["v2"]
_BATCH: TypeAdapter[list[PurchaseV2]] = TypeAdapter(list[PurchaseV2])

# Timestamps pydantic serialises back to the same text: whole seconds, upper-case T, and "Z" or
# a non-zero offset (it writes +00:00 as Z, lower case in upper, and fractions as 6 digits).
_VERBATIM_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-](?!00:00)\d{2}:\d{2})", re.ASCII
).fullmatch


class ReadPurchase(NamedTuple):
    """A valid purchase as it is published: key, canonical message and schema version."""

    purchase_id: str
    message: bytes
    version: str


def read_purchase(raw: bytes) -> ReadPurchase:
    """One purchase body; raises the 400 ApiError naming each bad field."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj = None
    row = check_purchase(obj, _V2_FIELDS) if type(obj) is dict else None
    if isinstance(row, PurchaseRow):
        return _from_row(row, obj["timestamp"])
    try:
        return _from_model(PurchaseV2.model_validate_json(raw))
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None


def read_batch(raw: bytes) -> list[ReadPurchase]:
    """A JSON array of purchases; raises the 400 naming `<index>.<field>` if any is invalid."""
    try:
        items = orjson.loads(raw)
    except orjson.JSONDecodeError:
        items = None
    if type(items) is list:
        read: list[ReadPurchase] = []
        for obj in items:
            row = check_purchase(obj, _V2_FIELDS)
            if type(row) is not PurchaseRow:
                break  # pydantic judges the whole array, so its errors list every bad item
            timestamp: str = obj["timestamp"]
            read.append(_from_row(row, timestamp))
        else:
            return read
    try:
        return [_from_model(purchase) for purchase in _BATCH.validate_json(raw)]
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None


def _from_row(row: PurchaseRow, timestamp: str) -> ReadPurchase:
    # The model's field order, which is the order pydantic writes.
    fields: dict[str, object] = {
        "purchase_id": row.purchase_id,
        "client_id": row.client_id,
        "product_id": row.product_id,
        "quantity": row.quantity,
        "price": row.price,
        "timestamp": timestamp,
    }
    if row.seller_id is not None:
        fields["seller_id"] = row.seller_id
    message = orjson.dumps(fields)
    if not _VERBATIM_TIMESTAMP(timestamp):
        # Rare forms (fractions, lower case, +00:00): pydantic renders them, on its JSON path.
        return _from_model(PurchaseV2.model_validate_json(message))
    return ReadPurchase(row.purchase_id, message, "v1" if row.seller_id is None else "v2")


def _from_model(purchase: PurchaseV2) -> ReadPurchase:
    return ReadPurchase(
        str(purchase.purchase_id),
        purchase_message(purchase),
        # The oldest schema version that describes the message, so v1 readers keep working.
        "v1" if purchase.seller_id is None else "v2",
    )
