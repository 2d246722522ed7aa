"""A range backfill in one run: `shop-analytics backfill` from launch to the report, per step.

    .venv/bin/python bench/backfill.py [--days 546 --purchases 70000 --clients 5000] [--runs 3]
    .venv/bin/python bench/backfill.py --days 1095 --purchases 1000000 --clients 50000 --runs 1

Runs on the stack of SHOP_ANALYTICS_HOME / SHOP_ANALYTICS_PORT_BASE (started if needed), with a
fresh DAGSTER_HOME per run. The purchases are written straight into the raw Delta table and the
ClickHouse fact (what the ingestor would have written; Kafka is measured by the streaming bench),
replacing the range, so the bench can run again. Each run prints the command's own progress
lines, the seconds from launch to the first step and to the end, and the load average beside
them. The baseline, in the same run, is pandas computing per-day and per-client sums of the same
purchases in memory: the least any backfill has to do.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from shop_analytics import settings as settings_module
from shop_analytics.cli.demo import plain_resources
from shop_analytics.local import stack
from shop_analytics.seed import DemoSpec, generate_demo_data
from shop_analytics.seed.load import merge_products, upsert_rows
from shop_analytics.tables.lake import RAW_PURCHASES_TABLE

REPO_ROOT = Path(__file__).resolve().parent.parent
STEP_LINE = re.compile(r"^\[(?P<step>[a-z_]+)\] .*?(?P<seconds>[0-9.]+) s$")


def land_purchases(resources: dict[str, object], purchases: pd.DataFrame, spec: DemoSpec) -> None:
    """The range's purchases in the raw Delta table and the ClickHouse fact, replacing old ones."""
    lake, clickhouse = resources["lake"], resources["clickhouse"]
    table = pa.Table.from_pandas(purchases, preserve_index=False)
    stamps = table["timestamp"].cast(pa.timestamp("us", tz="UTC"))
    table = table.set_column(table.schema.get_field_index("timestamp"), "timestamp", stamps)
    table = table.append_column("_partition", pa.repeat(pa.scalar(0, pa.int32()), len(table)))
    table = table.append_column("_offset", pa.array(range(len(table)), pa.int64()))
    now = pa.scalar(time.time_ns() // 1000, pa.timestamp("us", tz="UTC"))
    lake_rows = table.append_column("_ingested_at", pa.repeat(now, len(table))).append_column(
        "date", stamps.cast(pa.date32())
    )
    first, last = spec.first_day.isoformat(), spec.last_day.isoformat()
    uri, options = lake.table_uri(RAW_PURCHASES_TABLE), lake.storage_options()  # type: ignore[attr-defined]
    if lake.exists(RAW_PURCHASES_TABLE):  # type: ignore[attr-defined]
        DeltaTable(uri, storage_options=options).delete(f"date >= '{first}' AND date <= '{last}'")
    write_deltalake(uri, lake_rows, mode="append", partition_by=["date"], storage_options=options)
    fact = table.set_column(
        table.schema.get_field_index("timestamp"),
        "timestamp",
        stamps.cast(pa.timestamp("ms", tz="UTC")),
    )
    with clickhouse.session() as client:  # type: ignore[attr-defined]
        client.command(
            "ALTER TABLE purchases DELETE WHERE toDate(timestamp) BETWEEN %(first)s AND %(last)s "
            "SETTINGS mutations_sync = 2",
            parameters={"first": first, "last": last},
        )
        client.insert_arrow("purchases", fact)


def pandas_baseline(purchases: pd.DataFrame, products: pd.DataFrame) -> float:
    started = time.perf_counter()
    lines = purchases.merge(products[["product_id", "category"]], on="product_id", how="left")
    lines["amount"] = lines["quantity"] * lines["price"]
    lines["day"] = lines["timestamp"].dt.floor("D")
    lines.groupby(["day", "category"])["amount"].sum()
    lines.groupby("client_id").agg(n=("purchase_id", "count"), revenue=("amount", "sum"))
    return time.perf_counter() - started


def run_backfill(spec: DemoSpec) -> tuple[float, float, dict[str, float]]:
    """(seconds to the first step line, seconds in all, seconds per step) of one command."""
    env = {**os.environ, "DAGSTER_HOME": tempfile.mkdtemp(prefix="bench-dagster-")}
    command = [
        sys.executable,
        "-m",
        "shop_analytics.cli",
        "backfill",
        "--start",
        spec.first_day.isoformat(),
        "--end",
        spec.last_day.isoformat(),
    ]
    started = time.perf_counter()
    first_step = None
    steps: dict[str, float] = {}
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        print("   ", line.rstrip())
        if line.startswith("run "):
            launched = time.perf_counter() - started
            print(f"    (run created {launched:.1f} s after launch)")
        match = STEP_LINE.match(line.strip())
        if match:
            if first_step is None:
                # The first step's line comes at its end: its start is that minus its seconds.
                first_step = time.perf_counter() - started - float(match["seconds"])
            steps[match["step"]] = float(match["seconds"])
    if process.wait() != 0:
        raise SystemExit(f"backfill failed (exit {process.returncode})")
    return first_step or 0.0, time.perf_counter() - started, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=546)
    parser.add_argument("--purchases", type=int, default=70_000)
    parser.add_argument("--clients", type=int, default=5_000)
    parser.add_argument("--products", type=int, default=1_000)
    parser.add_argument("--last-day", default="2026-06-30")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    settings = settings_module.export_defaults()
    stack.up(settings)
    resources = plain_resources(settings)
    last = date.fromisoformat(args.last_day)
    spec = DemoSpec(
        clients=args.clients,
        sellers=50,
        products=args.products,
        purchases=args.purchases,
        days=args.days,
        end_day=last,
        seed=2026,
    )
    started = time.perf_counter()
    data = generate_demo_data(spec)
    upsert_rows(resources["postgres"], "sellers", data.sellers, "seller_id")
    upsert_rows(resources["postgres"], "clients", data.clients, "client_id")
    merge_products(resources["lake"], data.products)
    land_purchases(resources, data.purchases, spec)
    print(
        f"setup ({args.purchases:,} purchases over {spec.first_day}..{last}, "
        f"{last - spec.first_day + timedelta(days=1)}): {time.perf_counter() - started:.1f} s"
    )
    totals, firsts = [], []
    for number in range(1, args.runs + 1):
        load = Path("/proc/loadavg").read_text().split()[:3]
        baseline = pandas_baseline(data.purchases, data.products)
        first_step, total, steps = run_backfill(spec)
        after = Path("/proc/loadavg").read_text().split()[:3]
        totals.append(total)
        firsts.append(first_step)
        split = ", ".join(f"{step} {seconds:.1f}" for step, seconds in steps.items())
        print(
            f"run {number}: launch -> first step {first_step:.1f} s, launch -> report done "
            f"{total:.1f} s ({split}); baseline pandas {baseline:.2f} s, ratio "
            f"{total / baseline:.0f}x; load average {' '.join(load)} -> {' '.join(after)}"
        )
    print(
        f"median of {len(totals)}: launch -> report done {statistics.median(totals):.1f} s "
        f"(range {min(totals):.1f}-{max(totals):.1f}), launch -> first step "
        f"{statistics.median(firsts):.1f} s (range {min(firsts):.1f}-{max(firsts):.1f})"
    )


if __name__ == "__main__":
    main()
