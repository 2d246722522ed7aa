"""The history marts reconciled with the stage layer: each mart's figures for the run's days
computed again with pandas from the stage's purchase records and compared, counts exactly and
money to the cent.

The stage is read up to the run's last day over all earlier days: new or returning clients,
repeat buyers and cohorts depend on every earlier purchase of a client.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds
from clickhouse_connect.driver.client import Client

from shop_analytics.defs.common import markdown_table
from shop_analytics.resources import LakeResource
from shop_analytics.tables.lake import STAGE_TABLE

CENT = 0.005


def stage_lines(lake: LakeResource, last: str) -> pd.DataFrame:
    """One row a staged purchase up to ``last``: day, client, product, quantity and amount."""
    columns = ["day", "client_id", "product_id", "quantity", "amount"]
    if not lake.exists(STAGE_TABLE):
        return pd.DataFrame(columns=columns)
    rows = (
        lake.table(STAGE_TABLE)
        .to_pyarrow_dataset()
        .to_table(columns=["day", "client", "purchase"], filter=ds.field("day") <= last)
    )
    purchase = rows["purchase"]
    lines = pd.DataFrame(
        {
            "day": rows["day"].to_numpy(),
            "client_id": pc.struct_field(rows["client"], "client_id").to_numpy(),
            "product_id": pc.struct_field(purchase, "product_id").to_numpy(),
            "quantity": pc.struct_field(purchase, "quantity").to_numpy(),
            "price": pc.struct_field(purchase, "price").to_numpy(),
        }
    )
    lines["amount"] = lines["quantity"] * lines.pop("price")
    return lines[columns]


def _in_days(lines: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    return lines[lines["day"].between(days[0], days[-1])]


def baskets(lines: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    return (
        _in_days(lines, days)
        .groupby("day")
        .agg(baskets=("client_id", "nunique"), revenue=("amount", "sum"))
        .reset_index()
    )


def customer_types(lines: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    first = lines.groupby("client_id")["day"].min()
    rows = _in_days(lines, days)
    is_new = rows["day"] == rows["client_id"].map(first)
    rows = rows.assign(customer_type=is_new.map({True: "new", False: "returning"}))
    return (
        rows.groupby(["day", "customer_type"])
        .agg(clients=("client_id", "nunique"), revenue=("amount", "sum"))
        .reset_index()
    )


def _sales_days(lines: pd.DataFrame, days: list[str]) -> list[str]:
    return sorted(_in_days(lines, days)["day"].unique())


def repeat_customers(lines: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    per_client = lines.drop_duplicates(["client_id", "day"]).sort_values("day")
    first = per_client.groupby("client_id")["day"].nth(0)
    second = per_client.groupby("client_id")["day"].nth(1)
    return pd.DataFrame(
        [
            (day, int((first <= day).sum()), int((second <= day).sum()))
            for day in _sales_days(lines, days)
        ],
        columns=["day", "customers", "repeat_customers"],
    )


def cohorts(lines: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    months = lines.assign(month=pd.to_datetime(lines["day"]).dt.to_period("M"))
    months["cohort"] = months.groupby("client_id")["month"].transform("min")
    months = months.groupby(["client_id", "cohort", "month"])["day"].min().reset_index()
    months["months_since"] = (months["month"] - months["cohort"]).map(lambda gap: gap.n)
    frames = []
    for day in _sales_days(lines, days):
        oldest = pd.Period(day, "M") - 12
        seen = months[(months["day"] <= day) & (months["cohort"] >= oldest)]
        counts = seen.groupby(["cohort", "months_since"]).size().rename("active_clients")
        frames.append(counts.reset_index().assign(day=day))
    if not frames:
        return pd.DataFrame(columns=["day", "cohort_month", "months_since", "active_clients"])
    table = pd.concat(frames)
    table["cohort_month"] = table.pop("cohort").astype(str) + "-01"
    return table[["day", "cohort_month", "months_since", "active_clients"]]


def day_totals(lines: pd.DataFrame, days: list[str]) -> pd.DataFrame:
    return (
        _in_days(lines, days)
        .groupby("day")
        .agg(units=("quantity", "sum"), revenue=("amount", "sum"))
        .reset_index()
    )


@dataclass(frozen=True)
class StageCheck:
    name: str
    mart: str
    description: str
    keys: list[str]
    sql: str  # the mart's compared columns, named as ``expected``'s, days first..last
    expected: Callable[[pd.DataFrame, list[str]], pd.DataFrame]

    @property
    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(self.name, asset=self.mart, description=self.description)


_DAY = "toString(day) AS day"
_RANGE = "WHERE day BETWEEN %(first)s AND %(last)s"
STAGE_CHECKS = (
    StageCheck(
        "baskets_match_stage", "baskets_daily",
        "Each day's baskets (clients who bought) and revenue equal the stage's.",
        ["day"], f"SELECT {_DAY}, baskets, revenue FROM baskets_daily {_RANGE}", baskets,
    ),
    StageCheck(
        "customer_types_match_stage", "customer_type_revenue_daily",
        "Each day's new and returning clients and their revenue equal the stage's, a client "
        "being new on the first day the stage has a purchase of theirs.",
        ["day", "customer_type"],
        f"SELECT {_DAY}, toString(customer_type) AS customer_type, clients, revenue "
        f"FROM customer_type_revenue_daily {_RANGE}",
        customer_types,
    ),
    StageCheck(
        "repeat_customers_match_stage", "repeat_purchase_daily",
        "Customers and repeat customers up to each day equal the counts from the stage.",
        ["day"], f"SELECT {_DAY}, customers, repeat_customers FROM repeat_purchase_daily {_RANGE}",
        repeat_customers,
    ),
    StageCheck(
        "cohorts_match_stage", "cohort_retention",
        "Each day's active clients per cohort and month equal the counts from the stage.",
        ["day", "cohort_month", "months_since"],
        f"SELECT {_DAY}, toString(cohort_month) AS cohort_month, months_since, active_clients "
        f"FROM cohort_retention {_RANGE}",
        cohorts,
    ),
    StageCheck(
        "seller_products_match_stage", "seller_products_daily",
        "Each day's units and revenue over every seller's products equal the stage's.",
        ["day"],
        f"SELECT {_DAY}, sum(units) AS units, sum(revenue) AS revenue "
        f"FROM seller_products_daily {_RANGE} GROUP BY day",
        day_totals,
    ),
)  # fmt: skip


def mart_frames(client: Client, days: list[str]) -> dict[str, pd.DataFrame]:
    """Each check's side from the marts (read while the ClickHouse session is open)."""
    window = {"first": days[0], "last": days[-1]}
    return {check.name: client.query_df(check.sql, parameters=window) for check in STAGE_CHECKS}


def run_stage_checks(
    lake: LakeResource, days: list[str], marts: dict[str, pd.DataFrame]
) -> list[dg.AssetCheckResult]:
    lines = stage_lines(lake, days[-1])
    return [
        _compare(check, marts[check.name], check.expected(lines, days)) for check in STAGE_CHECKS
    ]


def _compare(check: StageCheck, got: pd.DataFrame, expected: pd.DataFrame) -> dg.AssetCheckResult:
    joined = got.merge(expected, on=check.keys, how="outer", suffixes=("_mart", "_stage"))
    joined = joined.fillna(0)
    mismatched = pd.Series(False, index=joined.index)
    for column in got.columns.difference(check.keys):
        mart, stage = joined[f"{column}_mart"], joined[f"{column}_stage"]
        tolerance = CENT if column == "revenue" else 0
        mismatched |= (mart.astype(float) - stage.astype(float)).abs() > tolerance
    bad = joined[mismatched]
    return dg.AssetCheckResult(
        check_name=check.name,
        asset_key=check.mart,
        passed=bad.empty,
        metadata={
            "rows_compared": len(joined),
            "mismatches": len(bad),
            "first_mismatches": dg.MetadataValue.md(
                markdown_table(bad.head(10)) if len(bad) else "none"
            ),
        },
    )
