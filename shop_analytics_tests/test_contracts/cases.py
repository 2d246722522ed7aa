"""Good and bad purchase messages shared by the validation and JSON Schema agreement tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from shop_analytics_tests.test_contracts import spec_text

SPEC_MESSAGE: dict[str, Any] = json.loads(spec_text.PURCHASE_MESSAGE)
SELLER_ID = "0b7c6f4e-5d1a-4c2b-9e8f-7a6b5c4d3e2f"


def message(**changes: Any) -> dict[str, Any]:
    """The spec's message with `changes` applied; a value of `...` removes the field."""
    changed = {**SPEC_MESSAGE, **changes}
    return {key: value for key, value in changed.items() if value is not ...}


# Valid under v1 (and therefore under v2).
GOOD_V1: dict[str, dict[str, Any]] = {
    "spec example": SPEC_MESSAGE,
    "uppercase uuid": message(client_id="987E6543-E21B-45D3-B123-526714174000"),
    "nil uuid": message(product_id="00000000-0000-0000-0000-000000000000"),
    "offset timestamp": message(timestamp="2025-04-06T15:00:00+03:00"),
    "negative offset": message(timestamp="2025-04-06T07:00:00-05:00"),
    "fractional seconds": message(timestamp="2025-04-06T12:00:00.123456Z"),
    "lowercase t and z (RFC 3339 allows)": message(timestamp="2025-04-06t12:00:00z"),
    "quantity 1": message(quantity=1),
    "largest quantity": message(quantity=2**31 - 1),
    "whole-number float quantity": message(quantity=2.0),
    "price 0": message(price=0),
    "integer price": message(price=50),
    "large price": message(price=1e12),
    "a 1997 purchase": message(timestamp="1997-03-01T10:00:00Z"),
    "the first second of the history start": message(timestamp="1990-01-01T00:00:00Z"),
}

# Valid under v2 only.
GOOD_V2_ONLY: dict[str, dict[str, Any]] = {
    "with seller": message(seller_id=SELLER_ID),
    "null seller": message(seller_id=None),
}

# Invalid under every version: case name -> (message, the field the error must name).
BAD: dict[str, tuple[dict[str, Any], str]] = {
    "uuid not hex": (message(purchase_id="123e4567-e89b-12d3-a456-42661417400z"), "purchase_id"),
    "uuid too short": (message(client_id="987e6543-e21b-45d3-b123-52671417400"), "client_id"),
    "uuid without hyphens": (message(product_id="543e2198e89b12d3a456426614174000"), "product_id"),
    "uuid in braces": (
        message(product_id="{543e2198-e89b-12d3-a456-426614174000}"),
        "product_id",
    ),
    "uuid as number": (message(purchase_id=123), "purchase_id"),
    "empty uuid": (message(client_id=""), "client_id"),
    "naive timestamp": (message(timestamp="2025-04-06T12:00:00"), "timestamp"),
    "date-only timestamp": (message(timestamp="2025-04-06"), "timestamp"),
    "malformed timestamp": (message(timestamp="06.04.2025 12:00"), "timestamp"),
    "timestamp without seconds": (message(timestamp="2025-04-06T12:00Z"), "timestamp"),
    "timestamp with space": (message(timestamp="2025-04-06 12:00:00Z"), "timestamp"),
    "offset without colon": (message(timestamp="2025-04-06T12:00:00+0300"), "timestamp"),
    "impossible date": (message(timestamp="2025-02-30T12:00:00Z"), "timestamp"),
    "hour 25": (message(timestamp="2025-04-06T25:00:00Z"), "timestamp"),
    "unix time number": (message(timestamp=1743940800), "timestamp"),
    "unix time string": (message(timestamp="1743940800"), "timestamp"),
    "quantity 0": (message(quantity=0), "quantity"),
    "quantity -1": (message(quantity=-1), "quantity"),
    "quantity 2.5": (message(quantity=2.5), "quantity"),
    'quantity "2"': (message(quantity="2"), "quantity"),
    "quantity true": (message(quantity=True), "quantity"),
    "quantity null": (message(quantity=None), "quantity"),
    "quantity above int32": (message(quantity=2**31), "quantity"),
    "price -1": (message(price=-1), "price"),
    "price -0.01": (message(price=-0.01), "price"),
    'price "x"': (message(price="x"), "price"),
    'price "49.99"': (message(price="49.99"), "price"),
    "price true": (message(price=True), "price"),
    "price null": (message(price=None), "price"),
    "unknown field": (message(discount=5), "discount"),
    "missing purchase_id": (message(purchase_id=...), "purchase_id"),
    "missing timestamp": (message(timestamp=...), "timestamp"),
    "missing price": (message(price=...), "price"),
    # v1 refuses it as an unknown field, v2 as a bad UUID: the field is named either way.
    "bad seller_id": (message(seller_id="seller-1"), "seller_id"),
}

# Well-formed instants outside `contracts.purchase_time_bounds` (default history start
# 1990-01-01; at most a day after now). JSON Schema cannot state these bounds, so the exported
# schemas accept them; the model, the API and the ingestor refuse them naming `timestamp`.
_NEXT_WEEK = (datetime.now(UTC) + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
OUT_OF_BOUNDS: dict[str, dict[str, Any]] = {
    "year 0001": message(timestamp="0001-01-01T00:00:00Z"),
    "year 1899": message(timestamp="1899-12-31T23:59:59Z"),
    "a second before the history start": message(timestamp="1989-12-31T23:59:59Z"),
    "before the history start by its offset": message(timestamp="1990-01-01T00:30:00+01:00"),
    "next week": message(timestamp=_NEXT_WEEK),
    "year 2300": message(timestamp="2300-01-01T00:00:00Z"),
    "year 9999": message(timestamp="9999-12-31T23:59:59Z"),
}
BAD.update({f"timestamp {name}": (case, "timestamp") for name, case in OUT_OF_BOUNDS.items()})
