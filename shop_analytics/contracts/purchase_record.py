"""The stage layer's unified record (spec section 6): one per purchase, with its client and product.

Built by joining a purchase message with the client (PostgreSQL) and the product (Delta) it
names; the field list is exactly the spec's.
"""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from shop_analytics.contracts.client import ClientSummary
from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.product import ProductSummary
from shop_analytics.contracts.purchase import PurchaseSummary

SPEC_EXAMPLE: dict[str, Any] = {
    "client": {
        "client_id": "987e6543-e21b-45d3-b123-526714174000",
        "first_name": "Иван",
        "last_name": "Иванов",
        "email": "ivan@example.com",
    },
    "purchase": {
        "purchase_id": "123e4567-e89b-12d3-a456-426614174000",
        "product_id": "543e2198-e89b-12d3-a456-426614174000",
        "quantity": 2,
        "price": 49.99,
        "timestamp": "2025-04-06T12:00:00Z",
    },
    "product": {
        "product_id": "543e2198-e89b-12d3-a456-426614174000",
        "name": "Смартфон",
        "category": "Электроника",
        "price": 499.99,
    },
}


class PurchaseRecord(ContractModel):
    """One purchase with the client who made it and the product bought (stage layer)."""

    model_config = ConfigDict(json_schema_extra={"examples": [SPEC_EXAMPLE]})

    client: ClientSummary
    """Who bought."""
    purchase: PurchaseSummary
    """What was bought, how many, at what unit price and when."""
    product: ProductSummary
    """The product as catalogued (its list price may differ from the price paid)."""

    @field_validator("product")
    @classmethod
    def _product_matches_purchase(
        cls, product: ProductSummary, info: ValidationInfo
    ) -> ProductSummary:
        # A record joined to the wrong product would put revenue on the wrong line of every mart.
        purchase = info.data.get("purchase")  # absent when the purchase part itself was invalid
        if purchase is not None and purchase.product_id != product.product_id:
            raise PydanticCustomError(
                "product_mismatch", "product_id should equal purchase.product_id"
            )
        return product
