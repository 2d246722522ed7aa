"""Build stage records: each purchase joined with its client and product (spec section 6).

Pure Arrow in, Arrow out, so the join rules are testable without any service. A purchase whose
client or product the sources do not know is kept, with the id it named, null details and a
``*_found = false`` flag: dropping it would make revenue disappear from every mart.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from shop_analytics.tables.lake import (
    CLIENT_STRUCT,
    PRODUCT_STRUCT,
    PURCHASE_STRUCT,
    STAGE_SCHEMA,
)


def latest_per_purchase(raw: pa.Table) -> pa.Table:
    """One row per purchase_id: the last one ingested (a replayed message lands twice)."""
    if raw.num_rows == 0:
        return raw
    order = [("purchase_id", "ascending"), ("_ingested_at", "descending")]
    order += [("_offset", "descending")]
    ranked = raw.sort_by(order)
    ids = ranked["purchase_id"].combine_chunks()
    first = pc.not_equal(ids[1:], ids[:-1])
    keep = pa.concat_arrays([pa.array([True]), first])
    return ranked.filter(keep)


def build_stage_records(
    purchases: pa.Table, clients: pa.Table, products: pa.Table, day_column: pa.Array | None = None
) -> pa.Table:
    """Stage rows for ``purchases`` (raw columns), ordered by time then purchase_id.

    ``clients``: client_id, first_name, last_name, email. ``products``: product_id, name,
    category, price, seller_id.
    """
    clients = clients.select(["client_id", "first_name", "last_name", "email"]).append_column(
        "client_found", pa.repeat(pa.scalar(True), clients.num_rows)
    )
    products = products.select(["product_id", "name", "category", "price", "seller_id"])
    products = products.rename_columns(
        ["product_id", "product_name", "category", "list_price", "product_seller_id"]
    ).append_column("product_found", pa.repeat(pa.scalar(True), products.num_rows))
    joined = (
        purchases.select(
            [
                "purchase_id",
                "client_id",
                "product_id",
                "quantity",
                "price",
                "timestamp",
                "seller_id",
            ]
        )
        .join(clients, "client_id", join_type="left outer")
        .join(products, "product_id", join_type="left outer")
        .sort_by([("timestamp", "ascending"), ("purchase_id", "ascending")])
    )
    timestamps = joined["timestamp"].cast(PURCHASE_STRUCT.field("timestamp").type)
    client = _struct(joined, CLIENT_STRUCT, {})
    purchase = _struct(joined, PURCHASE_STRUCT, {"timestamp": timestamps})
    product = _struct(joined, PRODUCT_STRUCT, {"name": "product_name", "price": "list_price"})
    days = pc.strftime(timestamps, format="%Y-%m-%d") if day_column is None else day_column
    columns = {
        "client": client,
        "purchase": purchase,
        "product": product,
        "seller_id": pc.coalesce(joined["seller_id"], joined["product_seller_id"]),
        "client_found": pc.fill_null(joined["client_found"], False),
        "product_found": pc.fill_null(joined["product_found"], False),
        "day": days,
    }
    return pa.Table.from_pydict(columns, schema=STAGE_SCHEMA)


def _struct(
    table: pa.Table, struct: pa.StructType, sources: dict[str, str | pa.ChunkedArray]
) -> pa.ChunkedArray:
    arrays = []
    for field in struct:
        source = sources.get(field.name, field.name)
        column = table[source] if isinstance(source, str) else source
        arrays.append(column.combine_chunks().cast(field.type))
    return pa.chunked_array([pa.StructArray.from_arrays(arrays, fields=list(struct))], type=struct)
