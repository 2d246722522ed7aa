"""Validation failures as plain `{field, reason}` pairs, for API 400 bodies and dead letters.

A pydantic `ValidationError` knows the path and the reason of each failure but also carries the
rejected input; these helpers keep only path and reason, so nothing a client sent (an e-mail,
an address) is echoed into logs or the dead-letter topic.
"""

from __future__ import annotations

from typing import TypedDict

from pydantic import ValidationError

# The "field" of an error about the message as a whole (not JSON, not an object).
WHOLE_MESSAGE = "$"


class FieldError(TypedDict):
    """One reason a value was refused: `field` is a dotted path such as `client.email`."""

    field: str
    reason: str


def field_errors(error: ValidationError) -> list[FieldError]:
    """Each failure of `error` as `{"field": "quantity", "reason": "Input should be ..."}`.

    Nested fields are joined with dots and list positions appear as numbers
    (`items.0.price`); errors about the whole message use the field `"$"`.
    """
    return [
        FieldError(
            field=".".join(str(part) for part in detail["loc"]) or WHOLE_MESSAGE,
            reason=detail["msg"],
        )
        for detail in error.errors(include_url=False, include_input=False)
    ]


def describe_errors(error: ValidationError) -> str:
    """All failures on one line, e.g. `quantity: Input should be greater than 0; price: ...`."""
    return "; ".join(f"{item['field']}: {item['reason']}" for item in field_errors(error))
