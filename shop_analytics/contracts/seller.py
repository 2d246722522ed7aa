"""Sellers: named by the spec without fields; our PostgreSQL `sellers` table.

`SellerWrite` is what a caller sends to add or update a seller; `Seller` is the stored row,
which adds the bookkeeping timestamps the database sets.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.field_types import StoredTimestamp, Uuid


class SellerWrite(ContractModel):
    """A seller as sent to the API: id, name and contact address."""

    seller_id: Uuid
    """The seller's id, referenced by `seller_id` on products and purchases (version 2)."""
    name: Annotated[str, Field(min_length=1, max_length=200)]
    """Trading name, 1 to 200 characters."""
    email: Annotated[str, Field(max_length=150)] | None = None
    """Contact e-mail, up to 150 characters (same limit as `clients.email`)."""


class Seller(SellerWrite):
    """A seller as stored in PostgreSQL `sellers`."""

    created_at: StoredTimestamp
    """When the seller was first added."""
    updated_at: StoredTimestamp
    """When the seller was last changed."""
