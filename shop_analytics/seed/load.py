"""Write the demo's clients and sellers to PostgreSQL and its products to the Delta lake.

Every write is an upsert keyed by the entity's id, so seeding twice leaves the same rows.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from shop_analytics.resources import LakeResource, PostgresResource
from shop_analytics.tables.lake import PRODUCTS_SCHEMA, PRODUCTS_TABLE


def upsert_rows(postgres: PostgresResource, table: str, frame: pd.DataFrame, key: str) -> int:
    """Insert or update ``frame``'s rows into ``table`` (provisioned beforehand)."""
    columns = list(frame.columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    query = (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({key}) DO UPDATE SET {updates}"
    )
    rows = [tuple(_plain(v) for v in row) for row in frame.itertuples(index=False)]
    postgres.executemany(query, rows)
    return len(rows)


def merge_products(lake: LakeResource, products: pd.DataFrame) -> int:
    """MERGE ``products`` into the Delta ``products`` table; returns the table's new version."""
    table = pa.Table.from_pandas(products, schema=PRODUCTS_SCHEMA, preserve_index=False)
    lake.merge(PRODUCTS_TABLE, table, "t.product_id = s.product_id")
    return lake.version(PRODUCTS_TABLE)


def _plain(value: object) -> object:
    # psycopg adapts datetimes, not pandas Timestamps' subclass quirks or numpy scalars.
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        return value.item()
    return value
