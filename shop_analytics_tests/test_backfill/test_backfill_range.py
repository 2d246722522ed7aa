"""`shop-analytics backfill` over every day of a multi-year history, in one run."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from shop_analytics.defs.batch.assets import STOCK_CHECK
from shop_analytics_tests.test_assets import test_whole_graph as whole_graph
from shop_analytics_tests.test_backfill import expected
from shop_analytics_tests.test_backfill.conftest import FIRST_DAY, LAST_DAY, SPEC, Backfill

# The package's fixture seeds, ingests and backfills hundreds of days (Spark included) before the
# first test: more than the suite's default 600 s on a busy two-core machine.
pytestmark = pytest.mark.timeout(1800)
FIRST, LAST = FIRST_DAY.isoformat(), LAST_DAY.isoformat()
WINDOW = {"first": FIRST, "last": LAST}
DAILY_STEPS = ["purchase_records", "spark_daily_batch", "daily_marts", "sales_report"]


def _query(backfill: Backfill, sql: str) -> pd.DataFrame:
    with backfill.resources["clickhouse"].session() as client:
        return client.query_df(sql, parameters=WINDOW)


def _run(backfill: Backfill) -> dg.DagsterRun:
    (record,) = backfill.instance.get_run_records(limit=1)
    return record.dagster_run


def test_one_run_of_the_daily_job_with_a_progress_line_per_step(backfill: Backfill) -> None:
    assert backfill.command.returncode == 0, backfill.command.stderr[-3000:]
    lines = backfill.command.stdout.splitlines()
    for step in DAILY_STEPS:
        assert any(line.startswith(f"[{step}] ") for line in lines), lines
    assert f"[purchase_records] {SPEC.days} days, " in backfill.command.stdout
    assert f"[daily_marts] {SPEC.days} days, " in backfill.command.stdout
    assert f"[spark_daily_batch] as of {LAST}, " in backfill.command.stdout
    # No per-partition event stream on the console.
    assert "DEBUG" not in backfill.command.stdout + backfill.command.stderr
    run = _run(backfill)
    assert run.job_name == "daily_batch"
    assert run.status == dg.DagsterRunStatus.SUCCESS
    # The run names its code location, so the UI can re-execute it.
    assert run.remote_job_origin is not None
    assert run.remote_job_origin.location_name == "shop_analytics.definitions"


def test_every_day_is_materialised_once_for_stage_and_marts(backfill: Backfill) -> None:
    instance = backfill.instance
    for asset in ("purchase_records", "sales_daily", "seller_performance_daily"):
        done = instance.get_materialized_partitions(dg.AssetKey(asset))
        assert len(done) == SPEC.days and min(done) == FIRST and max(done) == LAST


def test_sales_and_categories_equal_pandas_to_the_cent(backfill: Backfill) -> None:
    lines = expected.raw_lines(backfill.resources["lake"], FIRST, LAST)
    sales = expected.sales_daily(lines)
    got = _query(
        backfill,
        "SELECT toString(day) AS day, orders, units, revenue, clients FROM sales_daily "
        "WHERE day BETWEEN %(first)s AND %(last)s ORDER BY day",
    )
    assert got["day"].tolist() == sales["day"].tolist()
    for column in ("orders", "units", "clients"):
        assert got[column].tolist() == sales[column].tolist()
    assert got["revenue"].round(2).tolist() == sales["revenue"].round(2).tolist()
    categories = expected.category_revenue(lines)
    got = _query(
        backfill,
        "SELECT toString(day) AS day, toString(category) AS category, units, revenue "
        "FROM category_revenue_daily WHERE day BETWEEN %(first)s AND %(last)s "
        "ORDER BY day, category",
    )
    assert got[["day", "category", "units"]].values.tolist() == (
        categories[["day", "category", "units"]].values.tolist()
    )
    assert got["revenue"].round(2).tolist() == categories["revenue"].round(2).tolist()


def test_client_metrics_equal_pandas_to_the_cent(backfill: Backfill) -> None:
    purchases = backfill.data.purchases
    purchases = purchases.assign(amount=purchases["quantity"] * purchases["price"])
    totals = purchases.groupby("client_id").agg(
        order_count=("purchase_id", "count"), units=("quantity", "sum"), revenue=("amount", "sum")
    )
    rows = backfill.resources["postgres"].fetch(
        "SELECT client_id::text AS client_id, order_count, units, revenue, as_of::text AS as_of "
        "FROM client_metrics WHERE client_id = ANY(%s::uuid[])",
        (totals.index.tolist(),),
    )
    got = pd.DataFrame(rows).set_index("client_id").loc[totals.index]
    assert set(got["as_of"]) == {LAST}
    assert got["order_count"].tolist() == totals["order_count"].tolist()
    assert got["units"].tolist() == totals["units"].tolist()
    assert got["revenue"].round(2).tolist() == totals["revenue"].round(2).tolist()


def test_client_rfm_is_one_snapshot_as_of_the_last_day_and_says_so(backfill: Backfill) -> None:
    clients = backfill.data.purchases["client_id"].unique().tolist()
    with backfill.resources["clickhouse"].session() as client:
        snapshots = client.query(
            "SELECT toString(as_of), count() FROM client_rfm "
            "WHERE client_id IN %(ids)s AND as_of BETWEEN %(first)s AND %(last)s GROUP BY as_of",
            parameters={**WINDOW, "ids": clients},
        ).result_rows
    assert snapshots == [(LAST, len(clients))]
    # Unpartitioned: Dagster claims no day partitions, and the metadata names the day.
    key = dg.AssetKey("client_rfm")
    assert backfill.instance.get_materialized_partitions(key) == set()
    event = backfill.instance.get_latest_materialization_event(key)
    assert event is not None and event.asset_materialization is not None
    assert event.asset_materialization.metadata["as_of"].value == LAST


def test_sales_before_the_products_were_loaded_are_counted_and_warned(backfill: Backfill) -> None:
    # Products created through the API are stamped with the time of the load, years after these
    # sales: the batch subtracts none of them from stock, and says so in a warning.
    products = backfill.data.products.set_index("product_id")
    purchases = backfill.data.purchases
    known = purchases[purchases["product_id"].isin(products.index)]
    key = dg.AssetCheckKey(dg.AssetKey("product_stock"), STOCK_CHECK)
    evaluation = backfill.instance.event_log_storage.get_latest_asset_check_execution_by_key([key])[
        key
    ].event.dagster_event.event_specific_data  # type: ignore[union-attr]
    assert evaluation.passed is False
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert evaluation.metadata["units_before_update"].value == known["quantity"].sum()
    stock = backfill.resources["lake"].read("products", columns=["product_id", "available_stock"])
    got = stock.to_pandas().set_index("product_id")["available_stock"]
    assert got.loc[products.index].tolist() == products["available_stock"].tolist()


@pytest.mark.parametrize("mart", list(whole_graph.EXPECTED))
def test_client_and_seller_marts_equal_pandas_over_the_range(backfill: Backfill, mart: str) -> None:
    # Over a year of sparse days: cohorts of many months, clients returning months later.
    lines = expected.raw_lines(backfill.resources["lake"], FIRST, LAST)
    got = whole_graph.mart_rows(lambda sql: _query(backfill, sql), mart)
    wanted = whole_graph.EXPECTED[mart](lines)
    whole_graph.assert_same_rows(got, wanted, whole_graph.MART_KEYS[mart])
