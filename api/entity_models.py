"""Request bodies of the API, derived from the contract models (never a second field list).

For each entity: the create body (POST: the contract minus what the server sets), the replace
body (PUT: minus the id, which is in the path) and the patch body (PATCH: every field optional).
A field of a patch that is absent stays as it is; sending null is allowed only where the
contract allows null.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from pydantic import ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

from shop_analytics.contracts import Client, ProductV2, SellerWrite
from shop_analytics.contracts.contract_model import ContractModel


def _drop_default(schema: dict[str, Any]) -> None:
    # A patch field's Python default (None = "not sent") is not a value a client may send for a
    # non-nullable field, so the document must not advertise it.
    schema.pop("default", None)


# PostgreSQL text cannot hold the NUL character: `request_body.reject_nul_text` refuses it with a
# clear reason, and the document says so, so that generated clients and tests know.
NO_NUL_PATTERN = "^[^\\u0000]*$"


def _forbid_nul(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        for option in prop.get("anyOf", [prop]):
            if option.get("type") == "string" and "format" not in option:
                option["pattern"] = NO_NUL_PATTERN


class NoNulTextModel(ContractModel):
    """A body whose text fields refuse NUL (the document says so with a pattern)."""

    # The descriptions come with the contract's fields (`derive`); looking for attribute
    # docstrings in the source of a generated model finds none and cost ~0.3 s per process.
    model_config = ConfigDict(json_schema_extra=_forbid_nul, use_attribute_docstrings=False)


class PostgresRowModel(NoNulTextModel):
    """A body stored in PostgreSQL text columns."""


def _field(info: FieldInfo, *, optional: bool) -> tuple[Any, Any]:
    annotation: Any = (
        Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    )
    if optional:
        return annotation, Field(
            default=None, description=info.description, json_schema_extra=_drop_default
        )
    if info.is_required():
        return annotation, Field(description=info.description)
    return annotation, Field(default=info.default, description=info.description)


def derive(
    name: str,
    source: type[ContractModel],
    doc: str,
    *,
    drop: Iterable[str] = (),
    optional: bool = False,
    base: type[ContractModel] = ContractModel,
) -> type[ContractModel]:
    """A model with `source`'s fields (types, limits, validators) less `drop`."""
    dropped = set(drop)
    fields = {
        field_name: _field(info, optional=optional)
        for field_name, info in source.model_fields.items()
        if field_name not in dropped
    }
    model: type[ContractModel] = create_model(  # type: ignore[call-overload]
        name, __base__=base, __doc__=doc, __module__=__name__, **fields
    )
    return model


ProductCreate = derive(
    "ProductCreate",
    ProductV2,
    "A new product. The server sets `updated_at`.",
    drop=["updated_at"],
    base=NoNulTextModel,
)
ProductReplace = derive(
    "ProductReplace",
    ProductV2,
    "Every field of a product but its id (in the path) and `updated_at` (set by the server).",
    drop=["product_id", "updated_at"],
    base=NoNulTextModel,
)
ProductPatch = derive(
    "ProductPatch",
    ProductV2,
    "The product fields to change; absent fields keep their value.",
    drop=["product_id", "updated_at"],
    optional=True,
    base=NoNulTextModel,
)
SellerCreate = derive("SellerCreate", SellerWrite, "A new seller.", base=PostgresRowModel)
SellerReplace = derive(
    "SellerReplace",
    SellerWrite,
    "Every field of a seller but its id (in the path).",
    drop=["seller_id"],
    base=PostgresRowModel,
)
SellerPatch = derive(
    "SellerPatch",
    SellerWrite,
    "The seller fields to change; absent fields keep their value.",
    drop=["seller_id"],
    optional=True,
    base=PostgresRowModel,
)
ClientCreate = derive(
    "ClientCreate",
    Client,
    "A new client: every column of spec section 3; each may be null, none may be absent.",
    base=PostgresRowModel,
)
ClientReplace = derive(
    "ClientReplace",
    Client,
    "Every column of a client but its id (in the path); each may be null, none may be absent.",
    drop=["client_id"],
    base=PostgresRowModel,
)
ClientPatch = derive(
    "ClientPatch",
    Client,
    "The client columns to change; absent columns keep their value.",
    drop=["client_id"],
    optional=True,
    base=PostgresRowModel,
)
