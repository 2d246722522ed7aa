"""The marts computed independently with pandas from the generated inputs."""

from __future__ import annotations

import pandas as pd

from shop_analytics.seed import DemoData


def purchase_lines(data: DemoData) -> pd.DataFrame:
    lines = data.purchases.merge(
        data.products[["product_id", "category"]], on="product_id", how="left"
    )
    lines["category"] = lines["category"].fillna("unknown")
    lines["amount"] = lines["quantity"] * lines["price"]
    lines["day"] = lines["timestamp"].dt.strftime("%Y-%m-%d")
    return lines


def sales_daily(data: DemoData) -> pd.DataFrame:
    return (
        purchase_lines(data)
        .groupby("day")
        .agg(orders=("purchase_id", "count"), units=("quantity", "sum"),
             revenue=("amount", "sum"), clients=("client_id", "nunique"))
        .reset_index()
    )  # fmt: skip


def category_revenue(data: DemoData) -> pd.DataFrame:
    return (
        purchase_lines(data)
        .groupby(["day", "category"])
        .agg(units=("quantity", "sum"), revenue=("amount", "sum"))
        .reset_index()
    )


def seller_revenue(data: DemoData) -> pd.DataFrame:
    lines = purchase_lines(data)
    return lines.groupby(["day", "seller_id"]).agg(revenue=("amount", "sum")).reset_index()


def client_totals(data: DemoData) -> pd.DataFrame:
    lines = purchase_lines(data)
    return (
        lines.groupby("client_id")
        .agg(order_count=("purchase_id", "count"), revenue=("amount", "sum"))
        .reset_index()
    )
