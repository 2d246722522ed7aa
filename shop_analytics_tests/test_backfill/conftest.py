"""Multi-year generated data on sparse days, ingested from Kafka, then one `shop-analytics backfill`
of every day.

The dates hang on FIRST_DAY alone (the range is DAYS days from it), so moving the history's start
(before 2000, say) is a one-line change.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from shop_analytics.cli.demo import ingest_ranges
from shop_analytics.seed import DemoData, DemoSpec, generate_demo_data
from shop_analytics.seed.load import merge_products
from shop_analytics.seed.seeding import seed
from shop_analytics.settings import Settings
from shop_analytics_tests.test_streaming.helpers import new_place

REPO_ROOT = Path(__file__).resolve().parents[2]
FIRST_DAY = date(2025, 1, 1)
DAYS = 400  # more than a year: the range crosses a year boundary
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
# A seed of its own: client metrics are lifetime figures over every staged purchase of a client,
# so another spec with the same seed (the same client ids) would add its purchases to ours.
SPEC = DemoSpec(
    clients=300, sellers=6, products=80, purchases=12_000, days=DAYS, end_day=LAST_DAY,
    unknown_share=0.01, seed=12,
)  # fmt: skip
# Sparse days keep the multi-year range (every day a partition of the run) while the data stays
# small: every 50th day, both sides of the new year and the last day, ~30 purchases each.
SALE_DAYS = frozenset(
    [FIRST_DAY + timedelta(days=i) for i in range(0, DAYS, 50)]
    + [date(2025, 12, 31), date(2026, 1, 1), LAST_DAY]
)
# Products registered in the catalogue after their first sales: the stock check must see them.
LATE_PRODUCTS = 3
LATE_BY = timedelta(days=DAYS // 2)


def sparse_demo_data(spec: DemoSpec) -> DemoData:
    data = generate_demo_data(spec)
    on_sale_days = data.purchases["timestamp"].dt.date.isin(SALE_DAYS)
    return dataclasses.replace(data, purchases=data.purchases[on_sale_days].reset_index(drop=True))


@dataclass
class Backfill:
    data: DemoData
    late_products: pd.DataFrame
    resources: dict[str, Any]
    command: subprocess.CompletedProcess[str]
    seconds: float
    instance: dg.DagsterInstance
    environment: dict[str, str]  # the private topic, chDB and lake every command must be given


def backfill_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "shop_analytics.cli", "backfill", *args]


@pytest.fixture(scope="package")
def backfill(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backfill]:
    # A topic, chDB directory and lake root of its own: the marts and the lake then hold this
    # package's purchases only, whichever tests ran before on the shared stack.
    place = new_place(stack, tmp_path_factory.mktemp("backfill-place"))
    environment = place.environment()
    resources = place.resources()
    seeded = seed(
        resources, SPEC, progress=False, echo=lambda _line: None, data=sparse_demo_data(SPEC)
    )
    late = seeded.data.products.head(LATE_PRODUCTS).copy()
    late["updated_at"] = late["updated_at"] + LATE_BY
    merge_products(resources["lake"], late)
    assert ingest_ranges(resources, seeded.ranges).success
    home = tmp_path_factory.mktemp("dagster")
    env = {**os.environ, **environment, "DAGSTER_HOME": str(home)}
    started = time.perf_counter()
    command = subprocess.run(
        backfill_command("--start", FIRST_DAY.isoformat(), "--end", LAST_DAY.isoformat()),
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield Backfill(seeded.data, late, resources, command, seconds, instance, environment)
