"""Products: the Delta table on S3 whose Avro schema is given in spec section 5.

`Product` is that schema field for field and in order; `ProductV2` adds the optional
`seller_id` as a backward-compatible new version (a v1 record reads as v2 with no seller).
"""

from __future__ import annotations

from typing import Annotated, Final

from pydantic import Field

from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.field_types import (
    Money,
    NonNegativeCount,
    NoNulText,
    StoredTimestamp,
    Uuid,
)

# Name and category are copied into every purchase record of the stage layer and every
# ClickHouse mart row, so their length is multiplied by the purchase count: an unbounded name
# (a 100 kB one was accepted) weighs on every day's batch. 200 is what marketplaces allow a
# product title (and our seller names); 100 is ample for a category path.
NAME_MAX: Final = 200
CATEGORY_MAX: Final = 100


class ProductSummary(ContractModel):
    """The part of a product the stage layer carries with each purchase (spec section 6)."""

    product_id: Uuid
    """The product's id (a UUID; the spec's Avro stores it as a string)."""
    name: Annotated[NoNulText, Field(min_length=1, max_length=NAME_MAX)]
    """Product name as shown to customers, 1 to 200 characters."""
    category: Annotated[NoNulText, Field(min_length=1, max_length=CATEGORY_MAX)]
    """Catalogue category, e.g. "Электроника", 1 to 100 characters."""
    price: Money
    """Current list price; a purchase records its own price at the time of sale."""


class Product(ProductSummary):
    """A product row of the Delta `products` table (spec section 5, Avro schema version 1)."""

    available_stock: NonNegativeCount
    """Units in stock."""
    updated_at: StoredTimestamp
    """When this product row last changed (stored with millisecond precision)."""


class ProductV2(Product):
    """Product schema version 2: version 1 plus the seller who offers the product."""

    seller_id: Uuid | None = Field(default=None)
    """The seller (`sellers.seller_id`); absent or null when unknown."""
