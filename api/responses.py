"""Response bodies, as models so that the OpenAPI document describes them from one place."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

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


def entity_batch_result(noun: str, key: str) -> type[BaseModel]:
    """The answer of `POST /api/<collection>:batch`, with the entity's id field (`client_id`)."""
    item_fields: dict[str, Any] = {
        "index": (int, Field(description="Position in the request")),
        key: (str, Field(description="The item's id")),
        "status": (
            Literal["accepted", "conflict"],
            Field(description="accepted: stored now or already with these values; conflict: "
                  "the id holds other values (change it with PUT or PATCH)"),
        ),
        "message": (str | None, Field(default=None, description="Why a conflict is one")),
    }  # fmt: skip
    item: type[BaseModel] = create_model(
        f"{noun}BatchItem",
        __doc__=f"What happened to item `index` of a {noun.lower()} batch.",
        **item_fields,
    )
    result: type[BaseModel] = create_model(
        f"{noun}BatchResult",
        __doc__="Per-item results, in request order; `rejected` counts the conflicts.",
        accepted=(int, ...),
        rejected=(int, ...),
        results=(list[item], ...),
    )
    return result


ClientBatchResult = entity_batch_result("Client", "client_id")
SellerBatchResult = entity_batch_result("Seller", "seller_id")
ProductBatchResult = entity_batch_result("Product", "product_id")


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
