"""The value types every contract field is built from: ids, timestamps, quantities, prices, text.

Each type states one rule of the spec (section 2: ids are UUIDs, timestamps are ISO 8601 with a
zone) and is the only place that rule is written down. Pydantic's defaults are lax in ways the
contract is not: it would take `"2"` and `true` as a quantity, a Unix number or
`"2025-04-06"` as a timestamp, and `"{...}"` or hyphen-less hex as a UUID. A JSON Schema
validator rejects all of those, so each type puts a small gate in front of pydantic's parser to
make the model and the exported JSON Schema accept exactly the same messages.

Native Python values (`uuid.UUID`, aware `datetime`, `Decimal`, numpy numbers) still pass:
rows read from PostgreSQL, Delta or pandas are validated with the same models.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field
from pydantic_core import PydanticCustomError

from shop_analytics.contracts.purchase_time_bounds import purchase_time_bounds
from shop_analytics.contracts.stored_time_bounds import stored_time_refusal

# Canonical 8-4-4-4-12 text form: the JSON Schema "uuid" format (RFC 4122 / 9562 text), and the
# form PostgreSQL, ClickHouse and Spark print, so an id compares equal as text in every system.
UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", re.ASCII)

# RFC 3339 `date-time` (the ISO 8601 profile JSON Schema's "date-time" format means): date,
# "T", time with seconds, optional fraction, then "Z" or a +hh:mm offset. Date-only text, missing
# seconds, "+0300" offsets and a space separator are refused even though pydantic would parse
# them. Range checks (month 13, 25:00) are left to pydantic's parser.
TIMESTAMP_TEXT = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})", re.ASCII
)

# quantity and available_stock become Avro "int", Spark IntegerType and ClickHouse Int32:
# bounding them here turns an overflow into a validation error instead of a failed sink write.
INT32_MAX = 2**31 - 1


def _gate_uuid(value: Any) -> Any:
    if isinstance(value, str) and not UUID_TEXT.fullmatch(value):
        raise PydanticCustomError(
            "uuid_format",
            "Input should be a UUID in 8-4-4-4-12 hex form, like "
            "123e4567-e89b-12d3-a456-426614174000",
        )
    return value


def _gate_timestamp(value: Any) -> Any:
    if isinstance(value, str):
        if not TIMESTAMP_TEXT.fullmatch(value):
            raise PydanticCustomError(
                "timestamp_format",
                "Input should be an ISO 8601 timestamp with seconds and a time zone, like "
                "2025-04-06T12:00:00Z",
            )
    elif not hasattr(value, "tzinfo"):
        # Numbers would otherwise be read as Unix time; the contract only speaks ISO 8601.
        raise PydanticCustomError(
            "timestamp_type", "Input should be an ISO 8601 timestamp string with a time zone"
        )
    return value


def _within_purchase_bounds(value: datetime) -> datetime:
    reason = purchase_time_bounds().refusal(value)
    if reason is not None:
        raise PydanticCustomError("timestamp_bounds", reason)
    return value


def _within_stored_bounds(value: datetime) -> datetime:
    reason = stored_time_refusal(value)
    if reason is not None:
        raise PydanticCustomError("timestamp_bounds", reason)
    return value


def _refuse_nul(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("string_nul", "Text must not contain the NUL character (\\u0000)")
    return value


def _gate_integer(value: Any) -> Any:
    # bool is an int subclass in Python and JSON true would become 1: refuse it explicitly.
    if isinstance(value, str | bool):
        raise PydanticCustomError(
            "int_type",
            "Input should be an integer number, not {kind}",
            {"kind": "a string" if isinstance(value, str) else "a boolean"},
        )
    return value


def _gate_number(value: Any) -> Any:
    if isinstance(value, str | bool):
        raise PydanticCustomError(
            "float_type",
            "Input should be a number, not {kind}",
            {"kind": "a string" if isinstance(value, str) else "a boolean"},
        )
    return value


Uuid = Annotated[UUID, BeforeValidator(_gate_uuid)]
"""A UUID, written as canonical 8-4-4-4-12 hex text in JSON (any version, either case)."""

Timestamp = Annotated[AwareDatetime, BeforeValidator(_gate_timestamp)]
"""An instant with a zone: RFC 3339 text such as `2025-04-06T12:00:00Z`; naive times refused."""

StoredTimestamp = Annotated[Timestamp, AfterValidator(_within_stored_bounds)]
"""A `Timestamp` every store holds and reads back: 1900-01-01 up to 2262-01-01 (UTC), see
`stored_time_bounds`. JSON Schema cannot bound a date-time: the models enforce it."""

PurchaseTimestamp = Annotated[Timestamp, AfterValidator(_within_purchase_bounds)]
"""A `Timestamp` within `purchase_time_bounds`: from the history start to a day after now.

JSON Schema cannot state a bound on a date-time (and this one moves with the clock), so the
exported schemas describe it in words; the model, the API and the ingestor enforce it."""

# PostgreSQL refuses NUL in text; ClickHouse and Delta keep it but most tools that read them
# (and the PostgreSQL copies of products the daily batch writes) do not.
NoNulText = Annotated[str, AfterValidator(_refuse_nul)]
"""Text without the NUL character."""

# The constraints come before the gate: pydantic then compiles them into its own integer/float
# parser (and emits them as JSON Schema keywords), and runs the gate first. JSON Schema counts 2.0
# as the integer 2, so the models accept it as 2 too; 2.5, "2" and true are refused.
PositiveCount = Annotated[int, Field(gt=0, le=INT32_MAX), BeforeValidator(_gate_integer)]
"""A whole number from 1 to 2 147 483 647 (fits a 32-bit signed integer everywhere)."""

NonNegativeCount = Annotated[int, Field(ge=0, le=INT32_MAX), BeforeValidator(_gate_integer)]
"""A whole number from 0 to 2 147 483 647."""

Money = Annotated[float, Field(ge=0, allow_inf_nan=False), BeforeValidator(_gate_number)]
"""A finite, non-negative amount (a JSON number; NaN, infinities, strings, booleans refused)."""
