"""The purchase kernel's encoding: a purchase as the message a producer publishes.

The canonical message is what `purchase_message` (pydantic) writes: the model's field order, no
`seller_id` when there is none, timestamps as pydantic renders them. Its SHA-256 is the API's
idempotency check, so every path here writes those very bytes. Building a model per purchase
and serialising it again costs ~10 ms per 1000; the kernel's check (`purchase_check`) applies the
same rules to orjson's dicts, and its rows become the message directly in about half that time.
Only timestamps pydantic writes back unchanged are copied; other forms are rendered by pydantic.
Whatever the check does not accept goes through pydantic, so a refusal carries pydantic's field
errors (a test compares both paths on the contract's cases and on random messages).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Final, NamedTuple

import orjson
from pydantic import TypeAdapter

from shop_analytics.contracts.purchase import PurchaseV2
from shop_analytics.contracts.purchase_check import FIELDS_BY_VERSION, PurchaseRow, check_purchase
from shop_analytics.contracts.purchase_messages import purchase_message

_V2_FIELDS: Final = FIELDS_BY_VERSION["v2"]
_NAIVE_EPOCH: Final = datetime(1970, 1, 1)
_ARRAY: TypeAdapter[list[PurchaseV2]] = TypeAdapter(list[PurchaseV2])

# Timestamps pydantic serialises back to the same text: whole seconds, upper-case T, and "Z" or
# a non-zero offset (it writes +00:00 as Z, lower case in upper, and fractions as 6 digits).
_VERBATIM_TIMESTAMP: Final = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-](?!00:00)\d{2}:\d{2})", re.ASCII
).fullmatch


class EncodedPurchase(NamedTuple):
    """A valid purchase as it is published: key, canonical message and schema version."""

    purchase_id: str
    message: bytes
    version: str


def read_purchase_json(raw: bytes) -> EncodedPurchase:
    """One purchase body (any version); raises `pydantic.ValidationError` naming each bad field."""
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj = None
    row = check_purchase(obj, _V2_FIELDS) if type(obj) is dict else None
    if isinstance(row, PurchaseRow):
        return encode_row(row, obj["timestamp"])
    return encode_model(PurchaseV2.model_validate_json(raw))


def read_purchase_array(raw: bytes) -> list[EncodedPurchase]:
    """A JSON array of purchases; `ValidationError` naming `<index>.<field>` if any is bad."""
    try:
        items = orjson.loads(raw)
    except orjson.JSONDecodeError:
        items = None
    if type(items) is list:
        read: list[EncodedPurchase] = []
        for obj in items:
            row = check_purchase(obj, _V2_FIELDS)
            if type(row) is not PurchaseRow:
                break  # pydantic judges the whole array, so its errors list every bad item
            timestamp: str = obj["timestamp"]
            read.append(encode_row(row, timestamp))
        else:
            return read
    return [encode_model(purchase) for purchase in _ARRAY.validate_json(raw)]


def encode_row(row: PurchaseRow, timestamp: str | None = None) -> EncodedPurchase:
    """The message of a checked row. ``timestamp``: the text the row was read from (its zone is
    kept, as pydantic keeps it); None renders the row's instant in UTC."""
    text = utc_text(row.timestamp_ms) if timestamp is None else timestamp
    # The model's field order, which is the order pydantic writes.
    fields: dict[str, object] = {
        "purchase_id": row.purchase_id,
        "client_id": row.client_id,
        "product_id": row.product_id,
        "quantity": row.quantity,
        "price": row.price,
        "timestamp": text,
    }
    if row.seller_id is not None:
        fields["seller_id"] = row.seller_id
    message = orjson.dumps(fields)
    if timestamp is not None and not _VERBATIM_TIMESTAMP(timestamp):
        # Rare forms (fractions, lower case, +00:00): pydantic renders them, on its JSON path.
        return encode_model(PurchaseV2.model_validate_json(message))
    return EncodedPurchase(row.purchase_id, message, _oldest_version(row.seller_id))


def encode_model(purchase: PurchaseV2) -> EncodedPurchase:
    return EncodedPurchase(
        str(purchase.purchase_id),
        purchase_message(purchase),
        _oldest_version(purchase.seller_id),
    )


def _oldest_version(seller_id: object) -> str:
    # The oldest schema version that describes the message, so v1 readers keep working.
    return "v1" if seller_id is None else "v2"


def utc_text(millis: int) -> str:
    """An instant (epoch ms) as pydantic writes a UTC datetime: whole seconds bare, else with
    6 fraction digits (which is what `isoformat` of a naive datetime writes)."""
    return (_NAIVE_EPOCH + timedelta(milliseconds=millis)).isoformat() + "Z"
