"""The Delta tables of the lake that the ingestor and the assets write, with their Arrow schemas.

Ids are canonical UUID text (the spec's Avro stores ``product_id`` as a string); instants are
UTC microseconds, the only timestamp precision Delta tables have.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

from shop_analytics.contracts.arrow_schemas import product_arrow_schema

__all__ = [
    "PRODUCTS_SCHEMA",
    "PRODUCTS_TABLE",
    "RAW_PURCHASES_TABLE",
    "STAGE_SCHEMA",
    "STAGE_TABLE",
]

PRODUCTS_TABLE: Final = "products"
RAW_PURCHASES_TABLE: Final = "raw/purchases"
STAGE_TABLE: Final = "stage/purchase_records"

UTC_MICROS = pa.timestamp("us", tz="UTC")

# The products table's schema is the contract's (product schema v2: the spec's Avro fields in
# order, then the optional seller), whoever writes it.
PRODUCTS_SCHEMA: Final = product_arrow_schema("v2")

# The stage record of spec section 6 (three structs, field for field), plus what the batch and
# the checks need beside it: the seller, whether the client and product were found, the day.
CLIENT_STRUCT = pa.struct(
    [
        pa.field("client_id", pa.string(), nullable=False),
        pa.field("first_name", pa.string()),
        pa.field("last_name", pa.string()),
        pa.field("email", pa.string()),
    ]
)
PURCHASE_STRUCT = pa.struct(
    [
        pa.field("purchase_id", pa.string(), nullable=False),
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("quantity", pa.int32(), nullable=False),
        pa.field("price", pa.float64(), nullable=False),
        pa.field("timestamp", UTC_MICROS, nullable=False),
    ]
)
PRODUCT_STRUCT = pa.struct(
    [
        pa.field("product_id", pa.string(), nullable=False),
        pa.field("name", pa.string()),
        pa.field("category", pa.string()),
        pa.field("price", pa.float64()),
    ]
)
STAGE_SCHEMA: Final = pa.schema(
    [
        pa.field("client", CLIENT_STRUCT, nullable=False),
        pa.field("purchase", PURCHASE_STRUCT, nullable=False),
        pa.field("product", PRODUCT_STRUCT, nullable=False),
        pa.field("seller_id", pa.string()),
        pa.field("client_found", pa.bool_(), nullable=False),
        pa.field("product_found", pa.bool_(), nullable=False),
        pa.field("day", pa.string(), nullable=False),
    ]
)
