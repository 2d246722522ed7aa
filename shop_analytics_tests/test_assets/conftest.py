"""One small generated dataset pushed through the whole graph, shared by this package's tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import dagster as dg
import pytest

from shop_analytics.cli.demo import ingest_ranges, materialize_days
from shop_analytics.seed import DemoData, DemoSpec
from shop_analytics.seed.seeding import seed
from shop_analytics.settings import Settings
from shop_analytics_tests.test_streaming.helpers import new_place

# Days of their own, far from the spec example's 2025-04-06 that other tests write.
# Over 256 products sold a day, so that a rank stored in a small integer type cannot wrap.
SPEC = DemoSpec(
    clients=400, sellers=8, products=400, purchases=3_000, days=3,
    end_day=date(2025, 2, 12), unknown_share=0.01, seed=7,
)  # fmt: skip


@dataclass
class Pipeline:
    data: DemoData
    resources: dict[str, Any]
    result: dg.ExecuteInProcessResult


@pytest.fixture(scope="package")
def pipeline(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pipeline]:
    # A topic, chDB directory and lake root of their own: the marts about clients' history
    # (repeat buyers, cohorts) count every purchase before the days, so only ours may be there.
    resources = new_place(stack, tmp_path_factory.mktemp("assets-place")).resources()
    seeded = seed(resources, SPEC, progress=False, echo=lambda _line: None)
    assert ingest_ranges(resources, seeded.ranges).success
    days = SPEC.day_keys
    yield Pipeline(seeded.data, resources, materialize_days(resources, days[0], days[-1]))
