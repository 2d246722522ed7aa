"""Stream ingest from one broker (replication factor 1) against a three-broker cluster (RF 3).

    .venv/bin/python bench/stream_replication.py [--count 300000] [--runs 3]

The single broker is the stack of SHOP_ANALYTICS_HOME / SHOP_ANALYTICS_PORT_BASE (started if
needed); the cluster (KAFKA_CLUSTER_SIZE=3: three broker+controller nodes, topics with RF 3 and
min.insync.replicas=2) runs under SHOP_ANALYTICS_HOME/bench-kafka-cluster on the stack's base
+ 500, beside it, and is stopped at the end unless it was running before. Each run produces the
same purchases into a fresh topic on each (acks=all, so the cluster's produce waits for two
copies), then times `run_stream` (what `shop-analytics stream` runs) from the first batch to the
last commit, as bench/stream.py does. The two are measured in alternating order, one after the
other, so each pair sees about the same load; the ratio RF 3 / RF 1 is per run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import orjson
from stream import ingest  # bench/stream.py: the same measurement of `run_stream`

from shop_analytics import settings as settings_module
from shop_analytics.local import stack
from shop_analytics.settings import Settings
from shop_analytics.streaming import IngestConfig
from shop_analytics_tests.test_streaming import helpers as h


def load() -> str:
    return "{:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def measure(settings: Settings, scratch: Path, payloads: list[bytes]) -> tuple[float, float]:
    """(produce events/s, ingest events/s) on a fresh topic of ``settings``' Kafka."""
    place = h.new_place(settings, scratch)
    started = time.perf_counter()
    h.produce(place.bootstrap, place.topic, payloads)
    produced = len(payloads) / (time.perf_counter() - started)
    rate, _, _ = ingest(place, len(payloads), IngestConfig())
    return produced, rate


def summary(values: list[float]) -> str:
    return f"{statistics.median(values):,.0f} ({min(values):,.0f}-{max(values):,.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    single = settings_module.export_defaults()
    stack.up(single, echo=lambda line: None)
    cluster = h.cluster_beside(single, single.home / "bench-kafka-cluster")
    cluster_was_up = all(s.status().running for s in stack.services(cluster))
    stack.up(cluster, echo=lambda line: None)
    payloads = [orjson.dumps(p) for p in h.purchases(args.count, seed=1)]
    scratch = Path(tempfile.mkdtemp(prefix="bench-replication-"))
    results: dict[int, list[float]] = {1: [], 3: []}
    produce: dict[int, list[float]] = {1: [], 3: []}
    ratios: list[float] = []
    try:
        for run in range(1, args.runs + 1):
            order = [(1, single), (3, cluster)]
            if run % 2 == 0:
                order.reverse()
            at_start = load()
            for factor, settings in order:
                produced, rate = measure(settings, scratch / f"run{run}-rf{factor}", payloads)
                results[factor].append(rate)
                produce[factor].append(produced)
            ratios.append(results[3][-1] / results[1][-1])
            print(
                f"run {run}: RF 1 {results[1][-1]:>9,.0f} events/s, RF 3 {results[3][-1]:>9,.0f}"
                f" events/s, ratio {ratios[-1]:.2f}  (produce {produce[1][-1]:,.0f} / "
                f"{produce[3][-1]:,.0f} per s; load {at_start} -> {load()})"
            )
        print(f"{args.count} purchases, {args.runs} runs, median (range):")
        print(f"  stream ingest, RF 1 (one broker):   {summary(results[1])} events/s")
        print(f"  stream ingest, RF 3 (three brokers): {summary(results[3])} events/s")
        print(
            f"  RF 3 / RF 1: {statistics.median(ratios):.2f} ({min(ratios):.2f}-{max(ratios):.2f})"
        )
        print(f"  produce (acks=all), RF 1: {summary(produce[1])}; RF 3: {summary(produce[3])}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if not cluster_was_up:
            stack.down(cluster, echo=lambda line: None)


if __name__ == "__main__":
    main()
