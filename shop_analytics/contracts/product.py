"""Products: the Delta table on S3 whose Avro schema is given in spec section 5.

`Product` is that schema field for field and in order; `ProductV2` adds the optional
`seller_id` as a backward-compatible new version (a v1 record reads as v2 with no seller).
"""

from __future__ import annotations

from pydantic import Field

from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.field_types import Money, NonNegativeCount, Timestamp, Uuid


class ProductSummary(ContractModel):
    """The part of a product the stage layer carries with each purchase (spec section 6)."""

    product_id: Uuid
    """The product's id (a UUID; the spec's Avro stores it as a string)."""
    name: str
    """Product name as shown to customers."""
    category: str
    """Catalogue category, e.g. "Электроника"."""
    price: Money
    """Current list price; a purchase records its own price at the time of sale."""


class Product(ProductSummary):
    """A product row of the Delta `products` table (spec section 5, Avro schema version 1)."""

    available_stock: NonNegativeCount
    """Units in stock."""
    updated_at: Timestamp
    """When this product row last changed (stored with millisecond precision)."""


class ProductV2(Product):
    """Product schema version 2: version 1 plus the seller who offers the product."""

    seller_id: Uuid | None = Field(default=None)
    """The seller (`sellers.seller_id`); absent or null when unknown."""
