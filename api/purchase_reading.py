"""Reading purchase bodies with the purchase kernel (`contracts.purchase_encoding`): a valid body
becomes the canonical message to publish, a bad one the 400 naming each bad field."""

from __future__ import annotations

from pydantic import ValidationError

from api.errors import validation_error
from shop_analytics.contracts import field_errors
from shop_analytics.contracts.purchase_encoding import (
    EncodedPurchase,
    read_purchase_array,
    read_purchase_json,
)


def read_purchase(raw: bytes) -> EncodedPurchase:
    """One purchase body; raises the 400 ApiError naming each bad field."""
    try:
        return read_purchase_json(raw)
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None


def read_batch(raw: bytes) -> list[EncodedPurchase]:
    """A JSON array of purchases; raises the 400 naming `<index>.<field>` if any is invalid."""
    try:
        return read_purchase_array(raw)
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None
