"""The base of the plain clients: immutable settings plus the methods that use them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ClientModel(BaseModel):
    """Settings are fixed once built, so a client can be shared by threads without locks.

    `shop_analytics.resources` subclasses each client with `dg.ConfigurableResource`: the
    fields and methods are defined here once, for Dagster and for processes without it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
