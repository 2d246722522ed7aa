"""Response bodies, as models so that the OpenAPI document describes them from one place."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from shop_analytics.contracts import Client, ProductV2, Seller


class FieldProblem(BaseModel):
    """One refused field: `field` is a dotted path (`quantity`, `3.price`), `$` the whole body."""

    field: str
    reason: str


class ErrorBody(BaseModel):
    """Every error answer. `errors` lists the refused fields of a 400."""

    # A 503 of the batch endpoint also carries the per-item results.
    model_config = ConfigDict(extra="allow")

    error: str
    message: str
    errors: list[FieldProblem] | None = None


class PurchaseAccepted(BaseModel):
    """Kafka acknowledged the purchase (or had already, for a repeated request)."""

    purchase_id: str
    status: Literal["accepted"]
    schema_version: Literal["v1", "v2"]


class BatchItem(BaseModel):
    """What happened to item `index` of a batch."""

    index: int
    purchase_id: str
    status: Literal["accepted", "conflict", "unavailable"]
    schema_version: Literal["v1", "v2"] | None = None
    message: str | None = None


class BatchResult(BaseModel):
    """Per-item results of a batch, in request order; `rejected` counts the conflicts."""

    accepted: int
    rejected: int
    results: list[BatchItem]


class Health(BaseModel):
    status: Literal["ok"]


class ProductPage(BaseModel):
    items: list[ProductV2]
    limit: int
    offset: int


class SellerPage(BaseModel):
    items: list[Seller]
    limit: int
    offset: int


class ClientPage(BaseModel):
    items: list[Client]
    limit: int
    offset: int
