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


# The marts below take purchase lines (day, client_id, product_id, quantity, amount, ...) so the
# backfill's tests can give them the lines of their own lake.


def baskets(lines: pd.DataFrame) -> pd.DataFrame:
    per_basket = lines.groupby(["day", "client_id"]).agg(
        value=("amount", "sum"), units=("quantity", "sum"), products=("product_id", "nunique")
    )
    return (
        per_basket.groupby("day")
        .agg(baskets=("value", "size"), revenue=("value", "sum"),
             avg_basket_value=("value", "mean"), avg_units_per_basket=("units", "mean"),
             avg_products_per_basket=("products", "mean"))
        .reset_index()
    )  # fmt: skip


def customer_types(lines: pd.DataFrame) -> pd.DataFrame:
    first_day = lines.groupby("client_id")["day"].transform("min")
    typed = lines.assign(
        customer_type=(lines["day"] == first_day).map({True: "new", False: "returning"})
    )
    return (
        typed.groupby(["day", "customer_type"])
        .agg(clients=("client_id", "nunique"), orders=("purchase_id", "count"),
             units=("quantity", "sum"), revenue=("amount", "sum"))
        .reset_index()
    )  # fmt: skip


def repeat_purchases(lines: pd.DataFrame) -> pd.DataFrame:
    """Customers to date and those who bought on two or more days, for every day with sales."""
    buying_days = lines.groupby("client_id")["day"].agg(lambda days: sorted(set(days)))
    rows = []
    for day in sorted(lines["day"].unique()):
        customers = sum(days[0] <= day for days in buying_days)
        repeat = sum(len(days) > 1 and days[1] <= day for days in buying_days)
        rows.append((day, customers, repeat, repeat / customers))
    return pd.DataFrame(rows, columns=["day", "customers", "repeat_customers", "rate"])


def cohort_retention(lines: pd.DataFrame) -> pd.DataFrame:
    """Per day with sales, cohort month (of the last 13) and month since: cohort and active
    clients counting purchases up to that day."""
    month = lines["day"].str[:7]
    rows = []
    for day in sorted(lines["day"].unique()):
        upto = lines[lines["day"] <= day].assign(month=month)
        cohort = upto.groupby("client_id")["month"].min()
        upto = upto.assign(cohort=upto["client_id"].map(cohort))
        oldest = (pd.Period(day, "M") - 12).strftime("%Y-%m")
        upto = upto[upto["cohort"] >= oldest]
        sizes = upto.groupby("cohort")["client_id"].nunique()
        active = upto.groupby(["cohort", "month"])["client_id"].nunique()
        for (cohort_month, active_month), clients in active.items():
            since = (pd.Period(active_month, "M") - pd.Period(cohort_month, "M")).n
            size = sizes[cohort_month]
            rows.append((day, f"{cohort_month}-01", since, size, clients, clients / size))
    columns = [
        "day",
        "cohort_month",
        "months_since",
        "cohort_clients",
        "active_clients",
        "retention",
    ]
    return pd.DataFrame(rows, columns=columns).sort_values(["day", "cohort_month", "months_since"])


def seller_products(lines: pd.DataFrame) -> pd.DataFrame:
    sold = (
        lines.dropna(subset=["seller_id"])
        .groupby(["day", "seller_id", "product_id"])
        .agg(orders=("purchase_id", "count"), units=("quantity", "sum"), revenue=("amount", "sum"))
        .reset_index()
    )
    seller_total = sold.groupby(["day", "seller_id"])["revenue"].transform("sum")
    return sold.assign(share=sold["revenue"] / seller_total)
