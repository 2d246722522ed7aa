"""The purchase kernel's check: orjson's dicts judged by the rules of the pydantic contract.

pydantic validates ~114 k messages/s per core, too slow for a stream that aims at 100 k/s beside
Kafka and ClickHouse on two cores. This module applies the same rules straight to orjson's dicts
at a few microseconds per message, and takes every rule from the contract itself: the fields of
each version from `PURCHASE_MODELS`, the bounds of quantity and price from the model's own
constraints, the UUID and timestamp patterns from `field_types`, the time bounds from
`purchase_time_bounds`. The API, the ingestor (per message, and through `purchase_columns` per
batch) and the seed all use it. A test runs it over the contract's table of good and bad
messages and requires the same verdict and the same values as `parse_purchase`. Rejected
messages are rare, so their reason is taken from pydantic itself (`reject_reason`), worded
exactly as the API's 400 answers.

Timestamps must lie within `contracts.purchase_time_bounds` (history start .. now + 1 day), the
same bounds the model applies, so nothing is stored that the day partitions cannot reach and
nothing outside what ClickHouse's DateTime64 holds is silently clamped.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final, NamedTuple

import orjson
from pydantic import ValidationError

from shop_analytics.contracts.field_types import TIMESTAMP_TEXT, UUID_TEXT
from shop_analytics.contracts.purchase import Purchase
from shop_analytics.contracts.purchase_messages import (
    PURCHASE_MODELS,
    UnknownSchemaVersion,
    parse_purchase,
)
from shop_analytics.contracts.purchase_time_bounds import purchase_time_bounds
from shop_analytics.contracts.validation_errors import describe_errors

REQUIRED: Final = tuple(name for name, f in Purchase.model_fields.items() if f.is_required())
"""The fields every version requires, in the spec's order (v1 is exactly these)."""
FIELDS_BY_VERSION: Final[dict[str, frozenset[str]]] = {
    version: frozenset(model.model_fields) for version, model in PURCHASE_MODELS.items()
}

# The numeric bounds as the model states them (`PositiveCount`, `Money`), read from its JSON
# Schema so that a change there reaches both fast checks.
_PROPERTIES: Final = Purchase.model_json_schema()["properties"]
QUANTITY_MIN: Final[int] = _PROPERTIES["quantity"]["exclusiveMinimum"] + 1
QUANTITY_MAX: Final[int] = _PROPERTIES["quantity"]["maximum"]
PRICE_MIN: Final[float] = _PROPERTIES["price"]["minimum"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)

_is_uuid = UUID_TEXT.fullmatch
_is_timestamp = TIMESTAMP_TEXT.fullmatch
_from_iso = datetime.fromisoformat


class PurchaseRow(NamedTuple):
    """A valid purchase as the sinks store it: UUIDs as lowercase text, time as epoch ms."""

    purchase_id: str
    client_id: str
    product_id: str
    quantity: int
    price: float
    timestamp_ms: int
    seller_id: str | None


def decode_purchase(payload: bytes, version: str) -> PurchaseRow | str:
    """The row of a valid message, or a one-line reason naming the field that is wrong."""
    try:
        fields = FIELDS_BY_VERSION[version]
    except KeyError:
        return f"$: {UnknownSchemaVersion(version)}"
    try:
        obj = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return f"$: not valid JSON ({exc})"
    return check_purchase(obj, fields)


def check_purchase(obj: Any, fields: frozenset[str]) -> PurchaseRow | str:
    if type(obj) is not dict:
        return "$: Input should be an object"
    if not obj.keys() <= fields:
        return f"{min(obj.keys() - fields)}: Extra inputs are not permitted"
    for name in REQUIRED:
        if name not in obj:
            return f"{name}: Field required"
    ids = []
    for name in ("purchase_id", "client_id", "product_id"):
        value = obj[name]
        if type(value) is not str or not _is_uuid(value):
            return f"{name}: Input should be a UUID in 8-4-4-4-12 hex form"
        ids.append(value.lower())
    quantity = obj["quantity"]
    if type(quantity) is float and quantity.is_integer():
        quantity = int(quantity)  # JSON Schema counts 2.0 as the integer 2; so does the model
    if type(quantity) is not int or not QUANTITY_MIN <= quantity <= QUANTITY_MAX:
        return f"quantity: Input should be a whole number from {QUANTITY_MIN} to {QUANTITY_MAX}"
    price = obj["price"]
    # `price >= PRICE_MIN` is False for NaN; orjson reads no infinities.
    if (type(price) is not float and type(price) is not int) or not price >= PRICE_MIN:
        return f"price: Input should be a finite number >= {PRICE_MIN}"
    timestamp_ms = _timestamp_ms(obj["timestamp"])
    if isinstance(timestamp_ms, str):
        return timestamp_ms
    seller_id = obj.get("seller_id")
    if seller_id is not None:
        if type(seller_id) is not str or not _is_uuid(seller_id):
            return "seller_id: Input should be a UUID in 8-4-4-4-12 hex form"
        seller_id = seller_id.lower()
    return PurchaseRow(ids[0], ids[1], ids[2], quantity, float(price), timestamp_ms, seller_id)


def _timestamp_ms(value: Any) -> int | str:
    if type(value) is not str or not _is_timestamp(value):
        return "timestamp: Input should be an ISO 8601 timestamp with seconds and a time zone"
    # datetime accepts a +hh:60 offset that RFC 3339 (and pydantic) refuse.
    if value[-3] == ":" and value[-6] in "+-" and value[-2:] > "59":
        return "timestamp: Input should be a valid datetime (offset minutes above 59)"
    try:
        # RFC 3339 allows a lowercase "t" and "z"; datetime wants them upper case.
        moment = _from_iso(value if value.isupper() else value.upper())
    except ValueError as exc:
        return f"timestamp: Input should be a valid datetime ({exc})"
    millis: int = (moment - _EPOCH) // _MS
    refusal = purchase_time_bounds().refusal_ms(millis)
    if refusal is not None:
        return f"timestamp: {refusal}"
    return millis


def reject_reason(payload: bytes, version: str, fast_reason: str) -> str:
    """The contract's own wording of why ``payload`` was refused (pydantic's field errors).

    Falls back to the fast check's reason when pydantic has none to give (a payload pydantic
    cannot even start on).
    """
    try:
        parse_purchase(payload, version)
    except ValidationError as exc:
        return describe_errors(exc)
    except (UnknownSchemaVersion, ValueError):
        return fast_reason
    return fast_reason
