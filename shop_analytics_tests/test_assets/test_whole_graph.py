"""The whole graph on generated data: marts equal an independent pandas computation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from shop_analytics.cli.demo import materialize_days
from shop_analytics.defs.marts.queries import MARTS
from shop_analytics_tests.test_assets import expected_marts
from shop_analytics_tests.test_assets.conftest import SPEC, Pipeline

DAYS = SPEC.day_keys
WINDOW = {"first": DAYS[0], "last": DAYS[-1]}


def _query(pipeline: Pipeline, sql: str) -> pd.DataFrame:
    with pipeline.resources["clickhouse"].session() as client:
        return client.query_df(sql, parameters=WINDOW)


def test_every_asset_and_check_succeeds(pipeline: Pipeline) -> None:
    assert pipeline.result.success
    checks = {c.check_name: c.passed for c in pipeline.result.get_asset_check_evaluations()}
    assert checks == {
        "every_record_has_known_client_and_product": True,
        "marts_reconcile_with_stage": True,
        "baskets_match_stage": True,
        "customer_types_match_stage": True,
        "repeat_customers_match_stage": True,
        "cohorts_match_stage": True,
        "seller_products_match_stage": True,
        # The demo counts its stock before its first sale: nothing is left out.
        "sales_before_product_update": True,
    }


def _metadata(pipeline: Pipeline, asset: str) -> dict[str, Any]:
    return next(
        m.materialization.metadata
        for m in pipeline.result.get_asset_materialization_events()
        if m.asset_key.to_user_string() == asset
    )


def test_unknown_clients_and_products_are_kept_and_counted(pipeline: Pipeline) -> None:
    known_clients = set(pipeline.data.clients["client_id"])
    unknown = int((~pipeline.data.purchases["client_id"].isin(known_clients)).sum())
    assert unknown > 0  # the spec makes some; the stage must keep them
    stage = _metadata(pipeline, "purchase_records")
    assert stage["unknown_client_records"].value == unknown
    assert stage["dagster/row_count"].value == SPEC.purchases


def test_sales_per_day_equal_pandas(pipeline: Pipeline) -> None:
    expected = expected_marts.sales_daily(pipeline.data)
    got = _query(
        pipeline,
        "SELECT toString(day) AS day, orders, units, revenue, clients, avg_order_value "
        "FROM sales_daily WHERE day BETWEEN %(first)s AND %(last)s ORDER BY day",
    )
    assert got["day"].tolist() == expected["day"].tolist() == DAYS
    assert got["orders"].tolist() == expected["orders"].tolist()
    assert got["units"].tolist() == expected["units"].tolist()
    assert got["clients"].tolist() == expected["clients"].tolist()
    assert got["revenue"].round(2).tolist() == expected["revenue"].round(2).tolist()
    average = expected["revenue"] / expected["orders"]
    assert got["avg_order_value"].round(2).tolist() == average.round(2).tolist()


def assert_same_rows(got: pd.DataFrame, expected: pd.DataFrame, keys: list[str]) -> None:
    """Equal row for row: keys and counts exactly, money to the cent, ratios to 1e-4."""
    got = got.sort_values(keys).reset_index(drop=True)
    expected = expected.sort_values(keys).reset_index(drop=True)
    assert len(got) == len(expected) > 0
    for column in expected.columns:
        mine, theirs = got[column], expected[column]
        if column in RATIOS:
            assert (mine.astype(float) - theirs).abs().max() < 1e-4, column
        elif column in MONEY:
            assert mine.astype(float).round(2).tolist() == theirs.round(2).tolist(), column
        else:
            assert mine.tolist() == theirs.tolist(), column


MONEY = {"revenue", "avg_basket_value"}
RATIOS = {"avg_units_per_basket", "avg_products_per_basket", "rate", "retention", "share"}
# The new marts' columns under the names the pandas helpers give them.
MART_COLUMNS = {
    "baskets_daily": "toString(day) AS day, baskets, revenue, avg_basket_value, "
    "avg_units_per_basket, avg_products_per_basket",
    "customer_type_revenue_daily": "toString(day) AS day, toString(customer_type) AS "
    "customer_type, clients, orders, units, revenue",
    "repeat_purchase_daily": "toString(day) AS day, customers, repeat_customers, "
    "repeat_purchase_rate AS rate",
    "cohort_retention": "toString(day) AS day, toString(cohort_month) AS cohort_month, "
    "toInt64(months_since) AS months_since, cohort_clients, active_clients, retention",
    "seller_products_daily": "toString(day) AS day, toString(seller_id) AS seller_id, "
    "toString(product_id) AS product_id, orders, units, revenue, share_of_seller_revenue AS share",
}
MART_KEYS = {
    "baskets_daily": ["day"],
    "customer_type_revenue_daily": ["day", "customer_type"],
    "repeat_purchase_daily": ["day"],
    "cohort_retention": ["day", "cohort_month", "months_since"],
    "seller_products_daily": ["day", "seller_id", "product_id"],
}
EXPECTED = {
    "baskets_daily": expected_marts.baskets,
    "customer_type_revenue_daily": expected_marts.customer_types,
    "repeat_purchase_daily": expected_marts.repeat_purchases,
    "cohort_retention": expected_marts.cohort_retention,
    "seller_products_daily": expected_marts.seller_products,
}


def mart_rows(query: Callable[[str], pd.DataFrame], mart: str) -> pd.DataFrame:
    where = "WHERE day BETWEEN %(first)s AND %(last)s"
    if mart == "seller_products_daily":
        where += " AND seller_id IS NOT NULL"
    return query(f"SELECT {MART_COLUMNS[mart]} FROM {mart} {where}")


@pytest.mark.parametrize("mart", list(EXPECTED))
def test_client_and_seller_marts_equal_pandas(pipeline: Pipeline, mart: str) -> None:
    expected = EXPECTED[mart](expected_marts.purchase_lines(pipeline.data))
    got = mart_rows(lambda sql: _query(pipeline, sql), mart)
    assert_same_rows(got, expected, MART_KEYS[mart])


def test_revenue_per_category_equals_pandas(pipeline: Pipeline) -> None:
    expected = expected_marts.category_revenue(pipeline.data).sort_values(["day", "category"])
    got = _query(
        pipeline,
        "SELECT toString(day) AS day, toString(category) AS category, units, revenue "
        "FROM category_revenue_daily WHERE day BETWEEN %(first)s AND %(last)s "
        "ORDER BY day, category",
    )
    assert got[["day", "category", "units"]].values.tolist() == (
        expected[["day", "category", "units"]].values.tolist()
    )
    assert got["revenue"].round(2).tolist() == expected["revenue"].round(2).tolist()


def test_sellers_and_top_products_equal_pandas(pipeline: Pipeline) -> None:
    sellers = expected_marts.seller_revenue(pipeline.data)
    got = _query(
        pipeline,
        "SELECT toString(day) AS day, toString(seller_id) AS seller_id, revenue "
        "FROM seller_performance_daily WHERE day BETWEEN %(first)s AND %(last)s "
        "AND seller_id IS NOT NULL ORDER BY day, seller_id",
    )
    assert got["revenue"].round(2).tolist() == (
        sellers.sort_values(["day", "seller_id"])["revenue"].round(2).tolist()
    )
    lines = expected_marts.purchase_lines(pipeline.data)
    best = lines[lines["day"] == DAYS[-1]].groupby("product_id")["amount"].sum().nlargest(10)
    top = _query(
        pipeline,
        "SELECT toString(product_id) AS product_id, revenue FROM top_products_daily "
        "WHERE day = %(last)s ORDER BY rank",
    )
    assert top["product_id"].tolist() == best.index.tolist()


def test_client_metrics_in_postgres_equal_pandas(pipeline: Pipeline) -> None:
    expected = expected_marts.client_totals(pipeline.data).set_index("client_id")
    rows = pipeline.resources["postgres"].fetch(
        "SELECT client_id::text AS client_id, order_count, revenue, rfm_segment "
        "FROM client_metrics WHERE client_id = ANY(%s::uuid[])",
        (expected.index.tolist(),),
    )
    got = pd.DataFrame(rows).set_index("client_id").loc[expected.index]
    assert got["order_count"].tolist() == expected["order_count"].tolist()
    assert got["revenue"].round(2).tolist() == expected["revenue"].round(2).tolist()
    assert set(got["rfm_segment"]) <= {
        "champions", "loyal", "new", "at_risk", "lost", "needs_attention",
    }  # fmt: skip


def test_stock_is_reduced_by_units_sold(pipeline: Pipeline) -> None:
    products = pipeline.data.products.set_index("product_id")
    sold = expected_marts.purchase_lines(pipeline.data).groupby("product_id")["quantity"].sum()
    sold = sold[sold.index.isin(products.index)]
    table = pipeline.resources["lake"].read("products", columns=["product_id", "available_stock"])
    stock = table.to_pandas().set_index("product_id").loc[sold.index, "available_stock"]
    expected = (products.loc[sold.index, "available_stock"] - sold).clip(lower=0)
    assert stock.tolist() == expected.tolist()


def test_report_is_written_and_linked(pipeline: Pipeline) -> None:
    report = _metadata(pipeline, "sales_report")
    page = Path(report["path"].value).read_text(encoding="utf-8")
    assert "Revenue per day" in page and "Clients per RFM segment" in page
    assert f"Sales report up to {DAYS[-1]}" in page
    # The chart covers 30 days: other days the stack holds may show beside the generated ones.
    assert report["days_shown"].value >= len(DAYS)


@pytest.mark.parametrize("day", [DAYS[1]])
def test_rematerialising_a_day_leaves_marts_and_stock_identical(
    pipeline: Pipeline, day: str
) -> None:

    def snapshot() -> dict[str, list[tuple[object, ...]]]:
        with pipeline.resources["clickhouse"].session() as client:
            rows = {
                mart: client.query(
                    f"SELECT * FROM {mart} WHERE day = %(day)s ORDER BY ALL",
                    parameters={"day": day},
                ).result_rows
                for mart in MARTS
            }
        stock = pipeline.resources["lake"].read(
            "products", columns=["product_id", "available_stock"]
        )
        rows["stock"] = sorted(zip(*stock.to_pydict().values(), strict=True))
        return rows

    before = snapshot()
    assert before["sales_daily"]
    assert materialize_days(pipeline.resources, day, day).success
    assert snapshot() == before


CENT = 0.005  # the metadata holds money rounded to the cent


def _figures_per_day(pipeline: Pipeline, asset: str) -> dict[str, dict[str, Any]]:
    return {
        str(event.partition): {k: v.value for k, v in event.materialization.metadata.items()}
        for event in pipeline.result.get_asset_materialization_events()
        if event.asset_key.to_user_string() == asset
    }


def test_each_partition_records_its_own_days_figures(pipeline: Pipeline) -> None:
    sales = _figures_per_day(pipeline, "sales_daily")
    assert set(sales) == set(DAYS)  # one materialization per day of the range run
    rows = _query(
        pipeline,
        "SELECT toString(day) AS day, orders, units, revenue, clients, avg_order_value "
        "FROM sales_daily WHERE day BETWEEN %(first)s AND %(last)s",
    )
    for row in rows.itertuples():
        figures = sales[row.day]
        assert figures["revenue"] == pytest.approx(row.revenue, abs=CENT)
        assert figures["avg_order_value"] == pytest.approx(row.avg_order_value, abs=CENT)
        assert (figures["orders"], figures["units"], figures["clients"]) == (
            row.orders, row.units, row.clients,
        )  # fmt: skip
    assert len({figures["revenue"] for figures in sales.values()}) == len(DAYS)
    baskets = _figures_per_day(pipeline, "baskets_daily")
    rows = _query(
        pipeline,
        "SELECT toString(day) AS day, baskets, avg_basket_value FROM baskets_daily "
        "WHERE day BETWEEN %(first)s AND %(last)s",
    )
    for row in rows.itertuples():
        assert baskets[row.day]["baskets"] == row.baskets
        assert baskets[row.day]["avg_basket_value"] == pytest.approx(row.avg_basket_value, abs=CENT)
    types = _figures_per_day(pipeline, "customer_type_revenue_daily")
    new = _query(
        pipeline,
        "SELECT toString(day) AS day, revenue FROM customer_type_revenue_daily "
        "WHERE day BETWEEN %(first)s AND %(last)s AND customer_type = 'new'",
    )
    for day, revenue in zip(new["day"], new["revenue"], strict=True):
        assert types[day]["new_revenue"] == pytest.approx(revenue, abs=CENT)
    assert all(isinstance(types[day]["new_clients"], int) for day in DAYS)
