"""The Arrow schema of the Delta products table agrees with the Avro schema, field for field."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from shop_analytics.contracts.arrow_schemas import product_arrow_schema
from shop_analytics.contracts.avro_schemas import product_avro_schema

_AVRO_TO_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int32(),
    "long": pa.int64(),
    "double": pa.float64(),
}


def _arrow_type(avro_type: Any) -> tuple[pa.DataType, bool]:
    """The Arrow type an Avro field type means, and whether it is nullable."""
    if isinstance(avro_type, list):
        (inner,) = [t for t in avro_type if t != "null"]
        return _arrow_type(inner)[0], "null" in avro_type
    if isinstance(avro_type, dict):
        assert avro_type == {"type": "long", "logicalType": "timestamp-millis"}
        return pa.timestamp("ms", tz="UTC"), False
    return _AVRO_TO_ARROW[avro_type], False


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_arrow_schema_follows_the_avro_schema(version: str) -> None:
    expected = [
        (field["name"], *_arrow_type(field["type"]))
        for field in product_avro_schema(version)["fields"]
    ]
    actual = [(f.name, f.type, f.nullable) for f in product_arrow_schema(version)]
    assert actual == expected


def test_v2_adds_only_the_nullable_seller_id() -> None:
    v1, v2 = product_arrow_schema("v1"), product_arrow_schema("v2")
    assert v2.names == [*v1.names, "seller_id"]
    assert v2.field("seller_id").nullable and v2.field("seller_id").type == pa.string()


def test_unknown_version_is_refused() -> None:
    with pytest.raises(ValueError, match="known: v1, v2"):
        product_arrow_schema("v9")
