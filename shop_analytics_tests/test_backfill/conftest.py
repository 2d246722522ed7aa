"""Multi-year generated data from before 2000 on sparse days, loaded through the bulk paths
(`shop-analytics load`, the API's batch code), ingested from Kafka, then one
`shop-analytics backfill` of every day.

The dates hang on FIRST_DAY alone (the range is DAYS days from it).
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from api.entity_models import ClientCreate, ProductCreate, SellerCreate
from shop_analytics.cli.demo import ingest_ranges
from shop_analytics.seed import DemoData, DemoSpec, generate_demo_data
from shop_analytics.seed.stream import purchase_messages
from shop_analytics.settings import Settings
from shop_analytics.streaming.offset_ranges import OffsetRange
from shop_analytics_tests.test_streaming.helpers import new_place

REPO_ROOT = Path(__file__).resolve().parents[2]
FIRST_DAY = date(1999, 3, 1)
DAYS = 400  # more than a year: the range crosses the year 2000 and its leap day
LAST_DAY = FIRST_DAY + timedelta(days=DAYS - 1)
# A seed of its own: client metrics are lifetime figures over every staged purchase of a client,
# so another spec with the same seed (the same client ids) would add its purchases to ours.
SPEC = DemoSpec(
    clients=300, sellers=6, products=80, purchases=12_000, days=DAYS, end_day=LAST_DAY,
    unknown_share=0.01, seed=12,
)  # fmt: skip
# Sparse days keep the multi-year range (every day a partition of the run) while the data stays
# small: every 50th day, both sides of the new year, the leap day and the last day, ~30
# purchases each.
SALE_DAYS = frozenset(
    [FIRST_DAY + timedelta(days=i) for i in range(0, DAYS, 50)]
    + [date(1999, 12, 31), date(2000, 1, 1), date(2000, 2, 29), LAST_DAY]
)
# The API's create body of each kind: the generated frames carry fields the server sets.
API_FIELDS = {
    "clients": list(ClientCreate.model_fields),
    "sellers": list(SellerCreate.model_fields),
    "products": list(ProductCreate.model_fields),
}


def sparse_demo_data(spec: DemoSpec) -> DemoData:
    data = generate_demo_data(spec)
    purchases = data.purchases[data.purchases["timestamp"].dt.date.isin(SALE_DAYS)]
    # Purchase ids of this run's own: the API publishes an id once per stack, so a run again on
    # the same stack would otherwise find its purchases in an earlier run's topic.
    purchases = purchases.assign(purchase_id=[str(uuid.uuid4()) for _ in range(len(purchases))])
    return dataclasses.replace(data, purchases=purchases.reset_index(drop=True))


def write_jsonl(folder: Path, data: DemoData) -> dict[str, Path]:
    """One JSON Lines file per kind, each line a body for ``POST /api/KIND``."""
    paths = {kind: folder / f"{kind}.jsonl" for kind in (*API_FIELDS, "purchases")}
    for kind, fields in API_FIELDS.items():
        frame = getattr(data, kind)[fields]
        frame.to_json(paths[kind], orient="records", lines=True, date_format="iso",
                      force_ascii=False)  # fmt: skip
    purchases = [purchase.message for purchase in purchase_messages(data.purchases)]
    paths["purchases"].write_bytes(b"\n".join(purchases) + b"\n")
    return paths


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "shop_analytics.cli", *args]


def run_cli(
    env: dict[str, str], *args: str, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cli_command(*args), cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@dataclass
class Backfill:
    data: DemoData
    resources: dict[str, Any]
    command: subprocess.CompletedProcess[str]
    seconds: float
    instance: dg.DagsterInstance
    environment: dict[str, str]  # the private topic, chDB and lake every command must be given


@pytest.fixture(scope="package")
def backfill(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backfill]:
    # A topic, chDB directory and lake root of its own: the marts and the lake then hold this
    # package's purchases only, whichever tests ran before on the shared stack.
    place = new_place(stack, tmp_path_factory.mktemp("backfill-place"))
    environment = place.environment()
    resources = place.resources()
    data = sparse_demo_data(SPEC)
    home = tmp_path_factory.mktemp("dagster")
    env = {**os.environ, **environment, "DAGSTER_HOME": str(home)}
    files = write_jsonl(tmp_path_factory.mktemp("jsonl"), data)
    for kind in ("sellers", "clients", "products", "purchases"):
        loaded = run_cli(env, "load", kind, str(files[kind]), "--batch-size", "500")
        assert loaded.returncode == 0, loaded.stderr[-3000:]
    # Every offset of the package's own topic: exactly the purchases just loaded.
    kafka = resources["kafka"]
    ends = kafka.end_offsets(kafka.purchases_topic)
    topic = kafka.purchases_topic
    ranges = [OffsetRange(topic, partition, 0, end) for partition, end in ends.items() if end]
    assert sum(r.messages for r in ranges) == len(data.purchases)
    assert ingest_ranges(resources, ranges).success
    started = time.perf_counter()
    command = run_cli(
        env, "backfill", "--start", FIRST_DAY.isoformat(), "--end", LAST_DAY.isoformat(),
        timeout=1200,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield Backfill(data, resources, command, seconds, instance, environment)
