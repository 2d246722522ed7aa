"""Reading the sources as Arrow tables: clients and sellers (PostgreSQL), products and raw
purchases (Delta)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pyarrow as pa
import pyarrow.dataset as ds
from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

from shop_analytics.resources import LakeResource, PostgresResource
from shop_analytics.tables.lake import PRODUCTS_SCHEMA, PRODUCTS_TABLE, RAW_PURCHASES_TABLE

CLIENT_COLUMNS = ["client_id", "first_name", "last_name", "email"]
PRODUCT_COLUMNS = ["product_id", "name", "category", "price", "seller_id"]


def postgres_row_count(postgres: PostgresResource, table: str) -> int:
    return int(postgres.fetch(f"SELECT count(*) AS n FROM {table}")[0]["n"])


def read_clients(postgres: PostgresResource, client_ids: Sequence[str]) -> pa.Table:
    """The stage's client fields of the given ids (ids not in the table are simply absent)."""
    rows = postgres.fetch(
        "SELECT client_id::text AS client_id, first_name, last_name, email FROM clients "
        "WHERE client_id = ANY(%s::uuid[])",
        (list(client_ids),),
    )
    schema = pa.schema([(name, pa.string()) for name in CLIENT_COLUMNS])
    return pa.Table.from_pylist(rows, schema=schema)


def read_sellers(postgres: PostgresResource) -> pa.Table:
    rows = postgres.fetch("SELECT seller_id::text AS seller_id, name FROM sellers")
    return pa.Table.from_pylist(
        rows, schema=pa.schema([("seller_id", pa.string()), ("name", pa.string())])
    )


def read_products(lake: LakeResource, columns: list[str] | None = None) -> pa.Table:
    if not lake.exists(PRODUCTS_TABLE):
        return PRODUCTS_SCHEMA.empty_table().select(columns or PRODUCT_COLUMNS)
    return lake.read(PRODUCTS_TABLE, columns=columns or PRODUCT_COLUMNS)


def read_raw_purchases(lake: LakeResource, first: date, last: date) -> pa.Table | None:
    """Raw purchases of the UTC days ``first``..``last``; None when nothing was ingested yet."""
    try:
        table = DeltaTable(
            lake.table_uri(RAW_PURCHASES_TABLE), storage_options=lake.storage_options()
        )
    except TableNotFoundError:
        return None
    dataset = table.to_pyarrow_dataset()
    # `date` is the table's partition column: the filter prunes to the days' files.
    return dataset.to_table(filter=(ds.field("date") >= first) & (ds.field("date") <= last))
