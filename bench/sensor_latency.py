"""Live latency of the Kafka sensor's path: purchases produced at a steady rate, `dagster dev`
(webserver + daemon) with `purchases_kafka_sensor` on, the stream off.

    .venv/bin/python bench/sensor_latency.py [--minutes 10] [--rate 20]

Runs on the stack of SHOP_ANALYTICS_HOME / SHOP_ANALYTICS_PORT_BASE (started if needed) and its
`purchases` topic, fact and lake, with a DAGSTER_HOME of its own (a temporary folder laid out
by `shop_analytics.local.dagster_home`): the sensor starts with no cursor, i.e. from the lake's
watermark. Purchases are produced to Kafka directly (not POSTed: the API adds ~15 ms and would
share the two cores), each one's clock starting when the broker acknowledged it, the moment the
API would answer 200.

Queryable = seen by a poll of the ClickHouse fact. Embedded chDB admits one process at a time,
so the bench polls every second through `ClickHouseResource.session()`, the same lock the runs
take, with one short query per poll (~0.1 s of lock): its own share of the contention is in the
figures, and a poll's second of granularity is too (the ingestor's `_ingested_at`, when the
row was written, is printed beside it). Prints p50/p99 over all purchases, the p99 of those
produced in the first and in the last minute, the runs the sensor launched, and the load
average every minute.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
from confluent_kafka import KafkaException

from shop_analytics import settings as settings_module
from shop_analytics.local import stack
from shop_analytics.local.dagster_home import prepare_dagster_home
from shop_analytics.resources import build_resources
from shop_analytics.streaming.lake_sink import LakeSink
from shop_analytics_tests.test_streaming import helpers as h

REPO_ROOT = Path(__file__).resolve().parent.parent
SENSOR = "purchases_kafka_sensor"
REPOSITORIES = (
    "{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } "
    "sensors { name } } } } }"
)
START_SENSOR = (
    "mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) { __typename "
    "... on Sensor { sensorState { status } } ... on PythonError { message } } }"
)
RUNS = (
    '{ runsOrError(filter: {pipelineName: "ingest_purchases"}) { ... on Runs { results { '
    "runId status startTime endTime creationTime tags { key value } } } } }"
)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def graphql(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(f"{url}/graphql", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data: dict[str, Any] = json.load(response)
    if data.get("errors"):
        raise RuntimeError(f"GraphQL errors: {data['errors']}")
    return data["data"]


@contextmanager
def dagster_dev(home: Path, environment: dict[str, str]) -> Iterator[str]:
    """`dagster dev` from workspace.yaml on a free port; stopped (SIGTERM, its own group) after."""
    port = free_port()
    log = (home / "dagster-dev.log").open("w")
    process = subprocess.Popen(
        ["setsid", "env", "--default-signal=INT,TERM", sys.executable, "-m", "dagster", "dev",
         "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=REPO_ROOT, env={**os.environ, **environment, "DAGSTER_HOME": str(home)},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def start_sensor(url: str, deadline_s: float = 300) -> None:
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            repos = graphql(url, REPOSITORIES)["repositoriesOrError"].get("nodes") or []
            repo = next(r for r in repos if SENSOR in {s["name"] for s in r["sensors"]})
            break
        except (OSError, StopIteration, RuntimeError):
            if time.monotonic() > deadline:
                raise TimeoutError(f"dagster dev at {url} did not serve {SENSOR}") from None
            time.sleep(1)
    selector = {
        "repositoryLocationName": repo["location"]["name"],
        "repositoryName": repo["name"],
        "sensorName": SENSOR,
    }
    answer = graphql(url, START_SENSOR, {"s": selector})["startSensor"]
    if answer["__typename"] != "Sensor":
        raise RuntimeError(f"could not start {SENSOR}: {answer}")


class Producer:
    """Purchases at ``rate`` per second; the acknowledgement time of each, by purchase_id."""

    def __init__(self, kafka: Any, rate: float, seconds: float) -> None:
        self.kafka, self.rate, self.seconds = kafka, rate, seconds
        self.acked: dict[str, float] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        producer = self.kafka.producer(**{"linger.ms": 0})
        rng = random.Random(time.time_ns())
        started = time.monotonic()
        count = int(self.rate * self.seconds)
        for i in range(count):
            ahead = started + i / self.rate - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
            message = h.purchase(rng)
            pid = message["purchase_id"]
            producer.produce(
                self.kafka.purchases_topic, key=pid.encode(), value=orjson.dumps(message),
                on_delivery=self._on_delivery(pid),
            )  # fmt: skip
            producer.poll(0)
        producer.flush(60)

    def _on_delivery(self, pid: str) -> Any:
        def acknowledged(error: Any, _message: Any) -> None:
            if error is None:
                self.acked[pid] = time.time()

        return acknowledged


def poll_fact(clickhouse: Any, since_ms: int, seen: dict[str, tuple[float, float]]) -> None:
    """Adds every purchase newly in the fact: (poll time, its `_ingested_at`)."""
    query = (
        "SELECT toString(purchase_id), toUnixTimestamp64Milli(_ingested_at) FROM purchases "
        f"WHERE _ingested_at >= fromUnixTimestamp64Milli({since_ms})"
    )
    with clickhouse.session() as client:
        rows = client.query(query).result_rows
    now = time.time()
    for pid, ingested_ms in rows:
        seen.setdefault(pid, (now, ingested_ms / 1000))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def describe(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: none"
    return (
        f"{name}: n={len(values)} p50 {percentile(values, 0.5):.1f} s  "
        f"p99 {percentile(values, 0.99):.1f} s  max {max(values):.1f} s"
    )


def run_summary(url: str, since: float) -> list[str]:
    runs = [r for r in graphql(url, RUNS)["runsOrError"]["results"] if r["creationTime"] >= since]
    durations = [r["endTime"] - r["startTime"] for r in runs if r["endTime"] and r["startTime"]]
    waits = [r["startTime"] - r["creationTime"] for r in runs if r["startTime"]]
    statuses: dict[str, int] = {}
    for r in runs:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    first = min(runs, key=lambda r: r["creationTime"], default=None)
    batch = next((t["value"] for t in first["tags"] if t["key"].endswith("offset_batch")), "")
    return [
        f"ingest_purchases runs: {len(runs)} {statuses}",
        f"run duration (start..end): median {statistics.median(durations or [0]):.1f} s, "
        f"max {max(durations or [0]):.1f} s; created..started median "
        f"{statistics.median(waits or [0]):.1f} s",
        f"first run's batch: {batch}",
    ]


def topic_end_offsets(kafka: Any, deadline_s: float = 60) -> dict[int, int]:
    """End offsets, once the topic has leaders (a stack just started may still elect them)."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return dict(kafka.end_offsets(kafka.purchases_topic))
        except KafkaException:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def preload(kafka: Any, resources: dict[str, Any], count: int) -> None:
    """``count`` purchases in the topic and ingested (the job's catch-up, as `make demo` leaves
    the stack), so that the sensor's first run has something it must not read again."""
    from shop_analytics.definitions import defs  # the code location: only needed here

    topic_end_offsets(kafka)
    h.produce(kafka.bootstrap_servers, kafka.purchases_topic, h.purchases(count, time.time_ns()))
    result = defs.resolve_job_def("ingest_purchases").execute_in_process(resources=resources)
    assert result.success, "preload ingestion failed"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="purchases per second")
    parser.add_argument("--drain-seconds", type=float, default=120.0)
    parser.add_argument(
        "--preload", type=int, default=0,
        help="purchases produced and ingested before the sensor starts (its first run must "
        "start after them)",
    )  # fmt: skip
    args = parser.parse_args()

    settings = settings_module.export_defaults()
    stack.up(settings, echo=lambda _line: None)
    resources = build_resources(settings.as_environment().__getitem__)
    kafka, clickhouse = resources["kafka"], resources["clickhouse"]
    if args.preload:
        preload(kafka, resources, args.preload)
    sink = LakeSink(resources["lake"])
    ends = topic_end_offsets(kafka)
    marks = {p: sink.watermark(kafka.purchases_topic, p) for p in sorted(ends)}
    print(f"topic {kafka.purchases_topic}: end offsets {ends}, lake watermarks {marks}; "
          f"load {loadavg()}", flush=True)  # fmt: skip

    home = Path(tempfile.mkdtemp(prefix="sensor-latency-"))
    os.environ["DAGSTER_HOME"] = str(home)
    prepare_dagster_home(settings)
    seconds = args.minutes * 60
    try:
        with dagster_dev(home, settings.as_environment()) as url:
            start_sensor(url)
            print(f"dagster dev {url}, sensor on; load {loadavg()}", flush=True)
            time.sleep(15)  # the first tick and run find nothing new (or the lake's backlog)
            since = time.time()
            since_ms = int(since * 1000)
            producer = Producer(kafka, args.rate, seconds)
            producer.thread.start()
            seen: dict[str, tuple[float, float]] = {}
            next_report = since + 60
            while True:
                started = time.monotonic()
                poll_fact(clickhouse, since_ms, seen)
                produced_all = not producer.thread.is_alive()
                if produced_all and set(producer.acked) <= set(seen):
                    break
                if produced_all and time.time() > since + seconds + args.drain_seconds:
                    print(f"{len(set(producer.acked) - set(seen))} purchases never arrived")
                    break
                if time.time() >= next_report:
                    lag = len(set(producer.acked) - set(seen))
                    print(f"  {(time.time() - since) / 60:.0f} min: {len(seen)} in the fact, "
                          f"{lag} waiting; load {loadavg()}", flush=True)  # fmt: skip
                    next_report += 60
                time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
            report(producer.acked, seen, since, seconds)
            for line in run_summary(url, since - 30):
                print(line)
            print(f"load at the end {loadavg()}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def report(
    acked: dict[str, float], seen: dict[str, tuple[float, float]], since: float, seconds: float
) -> None:
    arrived = [pid for pid in acked if pid in seen]
    latency = {pid: seen[pid][0] - acked[pid] for pid in arrived}
    written = [seen[pid][1] - acked[pid] for pid in arrived]
    first = [v for pid, v in latency.items() if acked[pid] < since + 60]
    last = [v for pid, v in latency.items() if acked[pid] >= since + seconds - 60]
    print(f"produced {len(acked)}, arrived {len(arrived)}")
    print(describe("produce -> queryable (poll)", list(latency.values())))
    print(describe("produce -> written (_ingested_at)", written))
    print(describe("first minute", first))
    print(describe("last minute", last))


if __name__ == "__main__":
    main()
