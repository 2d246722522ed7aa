"""Arrow schemas of the Delta tables the contract owns, derived from the models.

The Delta `products` table is written with the schema below whoever writes it (the API's MERGE,
a source asset, the Spark batch through Arrow), so the Parquet files always carry the spec's
Avro types: ids as strings, `price` double, `available_stock` 32-bit, `updated_at` milliseconds
in UTC. A test checks these schemas against the Avro schemas field for field.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa
from pydantic import BaseModel

from shop_analytics.contracts.avro_schemas import PRODUCT_MODELS
from shop_analytics.contracts.field_specs import FieldKind, field_specs

# Avro's timestamp-millis is an instant: UTC, millisecond precision.
TIMESTAMP_TYPE: Final = pa.timestamp("ms", tz="UTC")

_ARROW_TYPES: dict[FieldKind, pa.DataType] = {
    "uuid": pa.string(),  # canonical 8-4-4-4-12 text, as in the Avro schema
    "string": pa.string(),
    "integer": pa.int32(),  # the contract bounds counts to int32 (Avro "int")
    "number": pa.float64(),
    "timestamp": TIMESTAMP_TYPE,
}


def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Arrow schema of a flat contract `model`: one field per model field, in order."""
    return pa.schema(
        [
            pa.field(spec.name, _ARROW_TYPES[spec.kind], nullable=spec.nullable)
            for spec in field_specs(model)
        ]
    )


def product_arrow_schema(version: str = "v2") -> pa.Schema:
    """The Arrow schema of the Delta `products` table for product schema `version`.

    "v2" (the default, what writers use) adds the nullable `seller_id` to the spec's "v1".
    """
    try:
        model = PRODUCT_MODELS[version]
    except KeyError:
        known = ", ".join(PRODUCT_MODELS)
        raise ValueError(f"unknown product schema version {version!r}; known: {known}") from None
    return arrow_schema(model)
