"""The purchase kernel's batch-wide check: the common message judged as Arrow columns.

Most messages are plain v1 purchases with exactly the six fields, UUIDs, whole quantities,
numbers and `...Z`/`+hh:mm` timestamps. For those, the per-message work is only `orjson.loads`
and picking six values; the checks run once per batch as Arrow compute kernels (RE2 regexes,
comparisons, Arrow's ISO 8601 parser, which refuses impossible dates such as Feb 30). Whatever
does not pass here is not refused here: it goes to the per-message check of `purchase_check`,
which is exact, so this path only has to be at least as strict as the contract, never looser. Its
bounds and patterns are `purchase_check`'s, which are the contract's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from shop_analytics.contracts.field_types import UUID_TEXT
from shop_analytics.contracts.purchase_check import PRICE_MIN, QUANTITY_MAX, QUANTITY_MIN, REQUIRED
from shop_analytics.contracts.purchase_time_bounds import purchase_time_bounds

FAST_KEYS: Final = frozenset(REQUIRED)
"""A message whose keys are exactly these may take the fast path (v1, or v2 without seller)."""

_UUID: Final = f"^{UUID_TEXT.pattern}$"
# Stricter than the contract's TIMESTAMP_TEXT on purpose: upper-case T and Z, offsets with valid
# hours and minutes, at most nanoseconds; the rest is left to the exact per-message check.
_TIMESTAMP: Final = (
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
)
_STR: Final = frozenset({str})
_INT: Final = frozenset({int})
_NUMBER: Final = frozenset({int, float})
_COLUMN_TYPES: Final = (_STR, _STR, _STR, _INT, _NUMBER, _STR)


def check_columns(columns: Sequence[Sequence[Any]]) -> tuple[list[pa.Array], list[int]]:
    """Validate rows given as the six REQUIRED columns (in that order, equal lengths).

    Returns the columns of the rows that passed (purchase_id, client_id, product_id as lowercase
    text, quantity int32, price float64, timestamp ms UTC), and the positions of the rows that
    did not pass and need the per-message check.
    """
    count = len(columns[0]) if columns else 0
    if not count:
        return [], []
    wrong_type = _wrong_types(columns)
    if wrong_type:
        keep = [i for i in range(count) if i not in wrong_type]
        kept, rest = check_columns([[column[i] for i in keep] for column in columns])
        return kept, sorted(wrong_type | {keep[i] for i in rest})
    try:
        ids = [pa.array(columns[i], pa.string()) for i in range(3)]
        quantity = pa.array(columns[3], pa.int64())
        price = pa.array(columns[4], pa.float64())
        text_time = pa.array(columns[5], pa.string())
    except (OverflowError, pa.ArrowException):
        return [], list(range(count))  # e.g. an integer beyond 64 bits
    ok = pc.and_(
        pc.and_(_matches(ids[0], _UUID), _matches(ids[1], _UUID)),
        pc.and_(_matches(ids[2], _UUID), _matches(text_time, _TIMESTAMP)),
    )
    ok = pc.and_(
        ok,
        pc.and_(pc.greater_equal(quantity, QUANTITY_MIN), pc.less_equal(quantity, QUANTITY_MAX)),
    )
    ok = pc.and_(ok, pc.greater_equal(price, PRICE_MIN))
    try:
        # Arrow refuses the whole array if one text is an impossible date (or beyond year
        # 2262, nanoseconds' range): then the per-message check sorts the batch out.
        nanos = pc.cast(pc.if_else(ok, text_time, "1970-01-01T00:00:00Z"), _NS)
    except pa.ArrowInvalid:
        return [], list(range(count))
    millis = pc.floor_temporal(nanos, unit="millisecond").cast(_MS)
    as_int = millis.cast(pa.int64())
    # Out of bounds is not refused here either: the per-message check words the reason.
    bounds = purchase_time_bounds()
    ok = pc.and_(
        ok,
        pc.and_(
            pc.greater_equal(as_int, bounds.earliest_ms),
            pc.less_equal(as_int, bounds.latest_ms()),
        ),
    )
    failed = pc.indices_nonzero(pc.invert(ok)).to_pylist()
    passed = [
        *(pc.ascii_lower(column).filter(ok) for column in ids),
        quantity.filter(ok).cast(pa.int32()),
        price.filter(ok),
        millis.filter(ok),
    ]
    return passed, failed


_NS: Final = pa.timestamp("ns", tz="UTC")
_MS: Final = pa.timestamp("ms", tz="UTC")


def _matches(column: pa.Array, pattern: str) -> pa.Array:
    return pc.match_substring_regex(column, pattern)


def _wrong_types(columns: Sequence[Sequence[Any]]) -> set[int]:
    wrong: set[int] = set()
    for column, allowed in zip(columns, _COLUMN_TYPES, strict=True):
        # One pass in C for the usual all-good column; positions only when something is off.
        if not set(map(type, column)) <= allowed:
            wrong.update(i for i, value in enumerate(column) if type(value) not in allowed)
    return wrong
