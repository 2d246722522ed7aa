"""The base class of every contract model: the rules all entities share."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ContractModel(BaseModel):
    """A record of the shared contract.

    Unknown fields are rejected (`extra="forbid"`): a misspelt or unexpected field is a
    producer bug or an unannounced schema change, and either must surface at the hand-off (as an
    API 400 or a dead-letter message) rather than vanish silently. New fields therefore arrive
    only through a new schema version (see `purchase.PurchaseV2`).
    """

    model_config = ConfigDict(extra="forbid", use_attribute_docstrings=True)
