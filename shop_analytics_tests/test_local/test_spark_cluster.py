"""The daily batch on a two-worker Spark standalone cluster equals the batch on `local[2]`.

The cluster (SPARK_CLUSTER_SIZE=2: a master and two one-core workers, started by `up`) runs on a
home and port base of its own beside the session's stack, whose PostgreSQL, S3 and Kafka the
batch uses. The same staged days are computed twice by `shop-analytics backfill` processes: once
on `local[2]`, once with SPARK_MASTER at the cluster; every figure the batch writes (PostgreSQL
`client_metrics`, the ClickHouse snapshots `client_rfm` and `product_metrics`) must agree. The
master's own record of the application shows that the cluster's executors did the work.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from shop_analytics import settings as settings_module
from shop_analytics.cli.demo import ingest_ranges
from shop_analytics.local import stack as local_stack
from shop_analytics.local.spark_cluster import SparkClusterService
from shop_analytics.seed import DemoSpec
from shop_analytics.seed.seeding import seed
from shop_analytics.settings import Settings
from shop_analytics_tests.homes import REPO_ROOT, test_home
from shop_analytics_tests.test_streaming import helpers as h

# Two processes each start Spark and run the whole day on a busy two-core machine.
pytestmark = pytest.mark.timeout(1800)
# A seed of its own: the client metrics table in PostgreSQL is shared by every test of the stack.
SPEC = DemoSpec(
    clients=300, sellers=5, products=60, purchases=2_500, days=2,
    end_day=date(2024, 6, 2), unknown_share=0.01, seed=31,
)  # fmt: skip
FIRST, LAST = SPEC.day_keys[0], SPEC.day_keys[-1]
SPARK_ASSETS = "client_metrics,client_rfm,product_stock,product_metrics"


@pytest.fixture(scope="module")
def cluster(stack: Settings) -> Iterator[SparkClusterService]:
    """Master and two workers on a home and ports of their own; the rest is the session's."""
    env = {k: v for k, v in stack.as_environment().items() if k != "SPARK_MASTER"}
    env |= {
        "SHOP_ANALYTICS_HOME": str(test_home("test-spark-cluster")),
        "SHOP_ANALYTICS_PORT_BASE": str(stack.port_base + h.CLUSTER_PORT_SHIFT),
        "SPARK_CLUSTER_SIZE": "2",
    }
    settings = settings_module.load(env)
    assert [s.system for s in local_stack.services(settings)] == ["spark"]
    local_stack.up(settings)
    try:
        yield SparkClusterService(settings)
    finally:
        local_stack.down(settings)


def _backfill(environment: dict[str, str], home: Path, *extra: str) -> None:
    command = subprocess.run(
        [sys.executable, "-m", "shop_analytics.cli", "backfill", "--start", FIRST, "--end", LAST,
         *extra],
        cwd=REPO_ROOT, env={**os.environ, **environment, "DAGSTER_HOME": str(home)},
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert command.returncode == 0, command.stdout[-3000:] + command.stderr[-3000:]


def _results(place: h.StreamPlace, clients: list[str]) -> dict[str, pd.DataFrame]:
    """Everything the batch wrote for the last day, in a stable order."""
    resources = place.resources()
    with resources["clickhouse"].session() as client:
        rfm = client.query_df(
            "SELECT * EXCEPT (as_of) FROM client_rfm WHERE as_of = %(day)s ORDER BY client_id",
            parameters={"day": LAST},
        )
        products = client.query_df(
            "SELECT * EXCEPT (as_of) FROM product_metrics WHERE as_of = %(day)s "
            "ORDER BY product_id",
            parameters={"day": LAST},
        )
    rows = resources["postgres"].fetch(
        "SELECT * FROM client_metrics WHERE client_id = ANY(%s::uuid[]) ORDER BY client_id",
        (clients,),
    )
    return {"client_rfm": rfm, "product_metrics": products, "client_metrics": pd.DataFrame(rows)}


def _master_state(cluster: SparkClusterService) -> dict[str, Any]:
    url = f"http://127.0.0.1:{cluster.settings.port('spark_master_ui')}/json/"
    with urllib.request.urlopen(url, timeout=10) as response:
        state: dict[str, Any] = json.load(response)
    return state


def test_the_batch_on_two_workers_equals_local(
    stack: Settings, cluster: SparkClusterService, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path)
    seeded = seed(place.resources(), SPEC, progress=False, echo=lambda _line: None)
    assert ingest_ranges(place.resources(), seeded.ranges).success
    clients = seeded.data.clients["client_id"].tolist()
    environment = place.environment()

    _backfill({**environment, "SPARK_MASTER": "local[2]"}, tmp_path / "dagster-local")
    local = _results(place, clients)
    assert len(local["client_rfm"]) > 250 and len(local["product_metrics"]) == SPEC.products
    assert len(local["client_metrics"]) == len(
        set(seeded.data.purchases["client_id"]) & set(clients)
    )

    before = {app["id"] for app in _master_state(cluster)["completedapps"]}
    _backfill(
        {**environment, "SPARK_MASTER": cluster.master_url},
        tmp_path / "dagster-cluster",
        "--assets", SPARK_ASSETS,
    )  # fmt: skip
    on_cluster = _results(place, clients)

    apps = [app for app in _master_state(cluster)["completedapps"] if app["id"] not in before]
    assert [app["name"] for app in apps] == ["shop_analytics"]
    # One core from each worker: the executors of both workers ran the batch.
    assert apps[0]["cores"] == 2
    for table, expected in local.items():
        got = on_cluster[table]
        assert got.columns.tolist() == expected.columns.tolist(), table
        # Sums of doubles may add up in another order on other executors: equal to the cent.
        floats = [c for c in expected.columns if expected[c].dtype.kind == "f"]
        pd.testing.assert_frame_equal(
            got.drop(columns=floats), expected.drop(columns=floats), check_exact=True
        )
        assert got[floats].round(6).equals(expected[floats].round(6)), table
