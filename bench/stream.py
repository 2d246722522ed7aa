"""Streaming ingest of purchases (Kafka -> ClickHouse + lake), beside a bare consume of the topic.

    .venv/bin/python bench/stream.py [--count 1000000] [--rate 10000] [--latency-seconds 20]
                                     [--visit-every 2]

Runs on the stack of SHOP_ANALYTICS_HOME / SHOP_ANALYTICS_PORT_BASE (started if needed), with
topics, chDB directories and lake prefixes of its own. Four measurements in one run:

1. bare consume: confluent-kafka consume() of the whole topic in batches, no processing;
2. ingest: `run_stream` (what `shop-analytics stream` runs) over the same topic, from the first
   batch to the last commit; ratio to (1). Nobody else wants the chDB directory, so this is the
   cost of the hand-off check alone (one directory listing per batch);
3. shared ingest: (2) again on a fresh topic and chDB while another process takes a session on
   the same chDB every --visit-every seconds (the stream hands the directory over each time);
   the visitor's sessions, from asking to done, are timed too;
4. latency: purchases produced at --rate per second into a fresh topic while the stream runs;
   produce -> queryable is the Kafka create time of each message to the moment its batch's
   ClickHouse insert returned (p50, p99);
5. latency beside a batch: (4) again on the same chDB and lake while a `daily_batch` run over the
   days (4) wrote works in a process of its own (Spark, then the marts' ClickHouse sessions,
   which the stream hands the directory over for).

Also the cost of opening and closing a chDB session, which a hand-over pays twice (the stream
closes and reopens) and why the stream keeps its session while nobody waits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import dagster as dg
import orjson

from shop_analytics import settings as settings_module
from shop_analytics.definitions import defs
from shop_analytics.local import stack
from shop_analytics.local.dagster_home import prepare_dagster_home
from shop_analytics.streaming import BatchResult, IngestConfig, run_stream
from shop_analytics_tests.test_streaming import helpers as h

FETCH = {
    "fetch.max.bytes": 64 * 1024 * 1024,
    "max.partition.fetch.bytes": 8 * 1024 * 1024,
    "queued.max.messages.kbytes": 256 * 1024,
}


def bare_consume(place: h.StreamPlace, count: int, batch: int) -> float:
    consumer = place.resources()["kafka"].consumer(f"bare-{uuid.uuid4().hex}", **FETCH)
    consumer.subscribe([place.topic])
    seen = 0
    first = None
    while seen < count:
        messages = consumer.consume(batch, 1.0)
        if messages and first is None:
            first = time.perf_counter()
        seen += sum(1 for m in messages if m.error() is None)
    elapsed = time.perf_counter() - (first or time.perf_counter())
    consumer.close()
    return count / elapsed


def ingest(place: h.StreamPlace, count: int, config: IngestConfig) -> tuple[float, float, int]:
    """(events/s from first batch to last commit, wall seconds with startup, batches)."""
    r = place.resources()
    started = time.perf_counter()
    marks: list[float] = []
    done = threading.Event()
    total = 0

    def on_batch(result: BatchResult) -> None:
        nonlocal total
        if not marks:
            marks.append(time.perf_counter())
        total += result.messages
        if total >= count:
            marks.append(time.perf_counter())
            done.set()

    metrics = run_stream(
        r["kafka"],
        r["clickhouse"],
        r["lake"],
        should_stop=done.is_set,
        group_id="bench",
        config=config,
        log_interval_s=5,
        on_batch=on_batch,
    )
    # The first batch's own time is before the first mark: count only what followed it.
    first_batch = count / metrics.batches
    return (count - first_batch) / (marks[1] - marks[0]), marks[1] - started, metrics.batches


# A second process beside the stream: a session every EVERY seconds until its stdin closes; one
# line per session with its milliseconds from asking for the turn to closing.
VISITOR = """
import select, sys, time
from shop_analytics.resources.clickhouse import ClickHouseResource
clickhouse = ClickHouseResource(dsn={dsn!r})
print("ready", flush=True)
while not select.select([sys.stdin], [], [], {every})[0]:
    started = time.perf_counter()
    with clickhouse.session() as client:
        client.query("SELECT count() FROM purchases")
    print(round((time.perf_counter() - started) * 1000), flush=True)
"""


def shared_ingest(
    place: h.StreamPlace, count: int, config: IngestConfig, every_s: float
) -> tuple[float, list[int]]:
    """`ingest` while a visitor takes sessions on the same chDB: (events/s, visit ms)."""
    visitor = subprocess.Popen(
        [sys.executable, "-c", VISITOR.format(dsn=f"chdb://{place.chdb_dir}", every=every_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert visitor.stdin is not None and visitor.stdout is not None
    try:
        assert visitor.stdout.readline().strip() == "ready"
        rate, _, _ = ingest(place, count, config)
        visitor.stdin.close()  # the visitor stops after its session in progress
        visits = [int(line) for line in visitor.stdout]
        visitor.wait(timeout=60)
    finally:
        visitor.kill()
    return rate, visits


def latency(place: h.StreamPlace, rate: float, seconds: float) -> tuple[float, float, int]:
    count = int(rate * seconds)
    payloads = [orjson.dumps(p) for p in h.purchases(count, seed=99)]
    r = place.resources()
    samples: list[int] = []
    done = threading.Event()

    def on_batch(result: BatchResult) -> None:
        samples.extend(result.written_ms - t for t in result.produced_ms)
        if len(samples) >= count:
            done.set()

    def stream() -> None:
        run_stream(
            r["kafka"],
            r["clickhouse"],
            r["lake"],
            should_stop=done.is_set,
            group_id="bench-latency",
            config=IngestConfig(measure_latency=True),
            log_interval_s=5,
            on_batch=on_batch,
        )

    thread = threading.Thread(target=stream)
    thread.start()
    h.produce(place.bootstrap, place.topic, payloads[:1])  # the stream is up once this lands
    while not samples:
        time.sleep(0.1)
    h.produce(place.bootstrap, place.topic, payloads[1:], rate_per_s=rate)
    thread.join()
    ordered = sorted(samples[1:])
    return (
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
        len(ordered),
    )


def latency_beside_batch(
    place: h.StreamPlace, rate: float, seconds: float, scratch: Path
) -> tuple[float, float, int, float]:
    """(4) on a fresh topic writing into ``place``'s chDB and lake while a daily batch runs."""
    beside = replace(h.new_place(place.settings, scratch), lake_root=place.lake_root)
    beside = replace(beside, chdb_dir=place.chdb_dir)
    env = {**os.environ, **beside.environment(), "DAGSTER_HOME": str(scratch / "dagster")}
    prepare_dagster_home(place.settings, env)
    sources = defs.resolve_job_def("record_sources").execute_in_process(
        resources=place.resources(), instance=dg.DagsterInstance.ephemeral()
    )
    assert sources.success
    tags = {"dagster/asset_partition_range_start": "2025-04-06",
            "dagster/asset_partition_range_end": "2025-04-08"}  # fmt: skip
    location = ["-m", "shop_analytics.definitions"]
    command = [sys.executable, "-m", "dagster", "job", "execute", *location, "-j", "daily_batch",
               "--tags", json.dumps(tags)]  # fmt: skip
    started = time.perf_counter()
    with open(scratch / "batch.log", "wb") as log:
        batch = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        p50, p99, n = latency(beside, rate, seconds)
        batch_s = float("nan")
        if batch.wait(timeout=3600) == 0:
            batch_s = time.perf_counter() - started
        else:  # the scratch folder goes at the end: show why here
            lines = (scratch / "batch.log").read_text(errors="replace").splitlines()
            print("the batch beside failed; its log ends:", *lines[-25:], sep="\n  ")
    finally:
        batch.kill()
    return p50, p99, n, batch_s


def session_open_ms(place: h.StreamPlace) -> float:
    clickhouse = place.resources()["clickhouse"]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        with clickhouse.session() as client:
            client.command("SELECT 1")
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=IngestConfig().max_batch_messages)
    parser.add_argument("--rate", type=float, default=10_000)
    parser.add_argument("--latency-seconds", type=float, default=20)
    parser.add_argument("--visit-every", type=float, default=2.0)
    args = parser.parse_args()

    settings = settings_module.export_defaults()
    stack.up(settings, echo=lambda line: None)
    # The machine is shared: the load beside the figures says how much they can be trusted.
    print("load average at start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    scratch = Path(tempfile.mkdtemp(prefix="bench-stream-"))
    try:
        place = h.new_place(settings, scratch / "throughput")
        payloads = [orjson.dumps(p) for p in h.purchases(args.count, seed=1)]
        started = time.perf_counter()
        h.produce(place.bootstrap, place.topic, payloads)
        produce_rate = args.count / (time.perf_counter() - started)
        print(f"produced {args.count} purchases at {produce_rate:,.0f}/s")

        bare = bare_consume(place, args.count, args.batch)
        print(f"bare consume:  {bare:>10,.0f} events/s  (confluent-kafka, no processing)")
        config = IngestConfig(max_batch_messages=args.batch)
        rate, wall, batches = ingest(place, args.count, config)
        print(
            f"stream ingest: {rate:>10,.0f} events/s  ({rate / bare:.2f} of bare consume; "
            f"{batches} batches; {wall:.1f} s with startup)"
        )
        print(f"chDB session open+close: {session_open_ms(place):.0f} ms")

        shared = h.new_place(settings, scratch / "shared")
        h.produce(shared.bootstrap, shared.topic, payloads)
        rate, visits = shared_ingest(shared, args.count, config, args.visit_every)
        visits = visits or [0]
        print(
            f"stream ingest, a session every {args.visit_every:g} s beside it: {rate:>10,.0f} "
            f"events/s ({rate / bare:.2f} of bare consume); {len(visits)} sessions, "
            f"ask to done p50 {statistics.median(visits):.0f} ms, max {max(visits)} ms"
        )

        slow = h.new_place(settings, scratch / "latency")
        p50, p99, n = latency(slow, args.rate, args.latency_seconds)
        print(
            f"produce->queryable at {args.rate:,.0f} events/s: p50 {p50 / 1000:.2f} s, "
            f"p99 {p99 / 1000:.2f} s over {n} events"
        )
        p50, p99, n, batch_s = latency_beside_batch(
            slow, args.rate, args.latency_seconds, scratch / "beside"
        )
        batch = "the batch failed" if math.isnan(batch_s) else f"the batch took {batch_s:.0f} s"
        print(
            f"produce->queryable at {args.rate:,.0f} events/s beside a 3-day batch run: "
            f"p50 {p50 / 1000:.2f} s, p99 {p99 / 1000:.2f} s over {n} events "
            f"({batch})"
        )
        print("load average at end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
