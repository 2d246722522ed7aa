"""Clients: the PostgreSQL `clients` table of spec section 3, field for field.

Every column but the key is nullable in the spec's DDL, so the matching fields accept `None`;
they must still be present, because a row always has all its columns.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.field_types import StoredTimestamp, Uuid


class ClientSummary(ContractModel):
    """The part of a client the stage layer carries with each purchase (spec section 6)."""

    client_id: Uuid
    """The client's id, shared by PostgreSQL, Kafka messages, the stage layer and ClickHouse."""
    first_name: Annotated[str, Field(max_length=100)] | None
    """Given name, up to 100 characters."""
    last_name: Annotated[str, Field(max_length=100)] | None
    """Family name, up to 100 characters."""
    email: Annotated[str, Field(max_length=150)] | None
    """E-mail address, up to 150 characters (stored as given, not verified)."""


class Client(ClientSummary):
    """A client as stored in PostgreSQL (spec section 3); column order follows the spec's DDL."""

    address: Annotated[str, Field(max_length=250)] | None
    """Postal address, up to 250 characters."""
    registration_date: StoredTimestamp | None
    """When the client registered, with a time zone."""
