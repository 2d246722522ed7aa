"""What the marts and client metrics must hold, computed with pandas from the lake's raw purchases
(the package's own lake root: its purchases only)."""

from __future__ import annotations

import pandas as pd
import pyarrow.dataset as ds

from shop_analytics.resources import LakeResource
from shop_analytics.tables.lake import PRODUCTS_TABLE, RAW_PURCHASES_TABLE


def raw_lines(lake: LakeResource, first: str, last: str) -> pd.DataFrame:
    """One line per purchase of the days (the last ingested copy), with category and amount."""
    raw = (
        lake.table(RAW_PURCHASES_TABLE)
        .to_pyarrow_dataset()
        .to_table(filter=(ds.field("date") >= pd.Timestamp(first).date())
                  & (ds.field("date") <= pd.Timestamp(last).date()))
        .to_pandas()
    )  # fmt: skip
    raw = raw.sort_values(["_ingested_at", "_offset"]).drop_duplicates("purchase_id", keep="last")
    products = lake.read(PRODUCTS_TABLE, columns=["product_id", "category"]).to_pandas()
    lines = raw.merge(products, on="product_id", how="left")
    lines["category"] = lines["category"].fillna("unknown")
    lines["amount"] = lines["quantity"] * lines["price"]
    lines["day"] = lines["timestamp"].dt.strftime("%Y-%m-%d")
    return lines


def sales_daily(lines: pd.DataFrame) -> pd.DataFrame:
    return (
        lines.groupby("day")
        .agg(orders=("purchase_id", "count"), units=("quantity", "sum"),
             revenue=("amount", "sum"), clients=("client_id", "nunique"))
        .reset_index()
    )  # fmt: skip


def category_revenue(lines: pd.DataFrame) -> pd.DataFrame:
    return (
        lines.groupby(["day", "category"])
        .agg(units=("quantity", "sum"), revenue=("amount", "sum"))
        .reset_index()
        .sort_values(["day", "category"])
    )
