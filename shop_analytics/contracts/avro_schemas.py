"""Avro schemas of the product record (spec section 5), derived from the product models.

Version v1 reproduces the spec's schema exactly (field names, types and order). Version v2 adds
`seller_id` as `["null", "string"]` with default null, which Avro schema resolution treats as
backward compatible: a v2 reader reads v1 data, filling in null.
"""

from __future__ import annotations

from typing import Any, Final

from shop_analytics.contracts.field_specs import FieldKind, FieldSpec, field_specs
from shop_analytics.contracts.product import Product, ProductV2

PRODUCT_MODELS: Final[dict[str, type[Product]]] = {"v1": Product, "v2": ProductV2}
"""Every product schema version and its model, oldest first."""

# Avro has no UUID in the spec's schema, so ids travel as their canonical text.
_AVRO_TYPES: dict[FieldKind, Any] = {
    "uuid": "string",
    "string": "string",
    "integer": "int",
    "number": "double",
    "timestamp": {"type": "long", "logicalType": "timestamp-millis"},
}


def product_schema_file(version: str) -> str:
    """The file name of product Avro schema `version`: `product.avsc` for v1 (the spec's)."""
    _product_model(version)
    return "product.avsc" if version == "v1" else f"product.{version}.avsc"


def product_avro_schema(version: str = "v1") -> dict[str, Any]:
    """The Avro schema of product records of `version` ("v1" = the spec's, or "v2")."""
    # Both versions keep the record name "Product": Avro resolution only matches records whose
    # names agree, and old data must stay readable by new readers.
    fields = [_avro_field(spec) for spec in field_specs(_product_model(version))]
    return {"type": "record", "name": "Product", "fields": fields}


def _product_model(version: str) -> type[Product]:
    try:
        return PRODUCT_MODELS[version]
    except KeyError:
        known = ", ".join(PRODUCT_MODELS)
        raise ValueError(f"unknown product schema version {version!r}; known: {known}") from None


def _avro_field(spec: FieldSpec) -> dict[str, Any]:
    avro_type = _AVRO_TYPES[spec.kind]
    if not spec.nullable:
        return {"name": spec.name, "type": avro_type}
    # A union's default must match its first branch, hence null first.
    return {"name": spec.name, "type": ["null", avro_type], "default": None}
