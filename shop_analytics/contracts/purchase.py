"""Purchases: the Kafka message of spec section 4 and the `POST /api/purchases` body (section 9).

`Purchase` is message version v1, exactly the spec's six required fields. `PurchaseV2` adds an
optional `seller_id`; every v1 message is a valid v2 message, so a v2 reader takes both.
`PurchaseSummary` is the purchase part of a stage record (section 6), which has no client id
because the record carries the client beside it.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.field_types import (
    Money,
    PositiveCount,
    PurchaseTimestamp,
    Timestamp,
    Uuid,
)

# The spec's section 4 / section 9 example, published in the JSON Schema and OpenAPI documents.
SPEC_EXAMPLE: dict[str, Any] = {
    "purchase_id": "123e4567-e89b-12d3-a456-426614174000",
    "client_id": "987e6543-e21b-45d3-b123-526714174000",
    "product_id": "543e2198-e89b-12d3-a456-426614174000",
    "quantity": 2,
    "price": 49.99,
    "timestamp": "2025-04-06T12:00:00Z",
}


class Purchase(ContractModel):
    """One completed purchase, schema version v1: who bought which product, how many, when."""

    model_config = ConfigDict(json_schema_extra={"examples": [SPEC_EXAMPLE]})

    purchase_id: Uuid
    """The purchase's id; the idempotency key of every sink (a repeated id replaces, never adds)."""
    client_id: Uuid
    """The buying client (`clients.client_id`)."""
    product_id: Uuid
    """The product bought (`products.product_id`)."""
    quantity: PositiveCount
    """Units bought: a whole number of at least 1."""
    price: Money
    """Unit price paid, a finite number of at least 0."""
    timestamp: PurchaseTimestamp
    """When the purchase happened, ISO 8601 with a time zone; from the history start
    (`SHOP_ANALYTICS_HISTORY_START`, 1990-01-01 by default) to at most a day after now."""


class PurchaseV2(Purchase):
    """One completed purchase, schema version v2: version v1 plus the optional seller."""

    seller_id: Uuid | None = Field(default=None)
    """The seller who made the sale (`sellers.seller_id`); absent or null when unknown."""


class PurchaseSummary(ContractModel):
    """The purchase part of a stage record (spec section 6)."""

    purchase_id: Uuid
    """The purchase's id."""
    product_id: Uuid
    """The product bought; equals the record's `product.product_id`."""
    quantity: PositiveCount
    """Units bought."""
    price: Money
    """Unit price paid."""
    timestamp: Timestamp
    """When the purchase happened."""
