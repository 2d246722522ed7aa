"""Every mode of the platform at once on the embedded default: the stream ingests purchases
produced at 5 k/s while a daily-batch run over two days, a sensor-launched ingestion run and
`shop-analytics report` run in processes of their own, all on one chDB data directory.

Each must succeed, and the fact (FINAL) and the lake must hold each produced purchase once.
The processes take turns on the directory (`resources/chdb_lock.py`); none may fail on it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import dagster as dg
import pytest
import yaml

from shop_analytics.definitions import defs
from shop_analytics.defs.ingest.sensor import purchases_kafka_sensor
from shop_analytics.local.dagster_home import prepare_dagster_home
from shop_analytics.settings import Settings
from shop_analytics_tests.test_streaming import helpers as h
from shop_analytics_tests.test_streaming.checks import assert_exactly_once

# The batch's days are complete before it starts; what flows meanwhile falls on the day after,
# as in a shop whose yesterday is closed while today's purchases stream in.
FIRST_DAY, LAST_DAY, TODAY = "2025-04-06", "2025-04-07", "2025-04-08"
PROCESS_TIMEOUT_S = 1500  # bounded, and generous: five JVM/Python processes share two cores


def _first_sensor_request(place: h.StreamPlace) -> dg.RunRequest:
    """What the sensor asks for on its first tick (nothing ingested yet: the whole topic)."""
    resources = place.resources()
    context = dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(),
        resources={"kafka": resources["kafka"], "lake": resources["lake"]},
    )
    result = purchases_kafka_sensor(context)
    assert isinstance(result, dg.SensorResult)
    (request,) = result.run_requests or []
    assert isinstance(request, dg.RunRequest)
    return request


def _launch(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as out:
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


# Five processes on two cores, one of them Spark: longer than the suite's default per-test limit.
@pytest.mark.timeout(3600)
def test_stream_batch_sensor_run_and_report_at_once(stack: Settings, tmp_path: Path) -> None:
    place = h.new_place(stack, tmp_path)
    env = {**os.environ, **place.environment(), "DAGSTER_HOME": str(tmp_path / "dagster")}
    prepare_dagster_home(stack, env)
    messages = h.purchases(100_000, seed=41)
    before, flowing = messages[:20_000], messages[20_000:]
    for purchase in before:
        purchase["timestamp"] = purchase["timestamp"].replace(TODAY, LAST_DAY)
    for purchase in flowing:
        purchase["timestamp"] = TODAY + purchase["timestamp"][len(TODAY) :]

    # Purchases already in Kafka and in the lake before the other modes start, so the batch
    # has days to work on; the sensor's request covers them (written again by its run: a
    # range written twice is harmless).
    h.produce(place.bootstrap, place.topic, before)
    # The sources are recorded first, as the demo does (the products table then exists).
    sources = defs.resolve_job_def("record_sources").execute_in_process(
        resources=place.resources(), instance=dg.DagsterInstance.ephemeral()
    )
    assert sources.success
    request = _first_sensor_request(place)
    stream_log = tmp_path / "stream.log"
    group = f"modes-{place.topic}"
    stream = h.start_stream(place, "--group-id", group, "--log-interval", "5", log=stream_log)
    others: dict[str, subprocess.Popen[bytes]] = {}
    try:
        h.wait_until_committed(place, group, timeout_s=PROCESS_TIMEOUT_S, alive=stream)
        producer = threading.Thread(
            target=h.produce,
            args=(place.bootstrap, place.topic, flowing),
            kwargs={"rate_per_s": 5_000},
            daemon=True,
        )
        producer.start()
        config = tmp_path / "ingest.yaml"
        config.write_text(yaml.safe_dump(request.run_config))
        dagster = [sys.executable, "-m", "dagster"]
        location = ["-m", "shop_analytics.definitions"]
        range_tags = {
            "dagster/asset_partition_range_start": FIRST_DAY,
            "dagster/asset_partition_range_end": LAST_DAY,
        }
        commands = {
            "sensor run": [*dagster, "job", "execute", *location, "-j", "ingest_purchases",
                           "-c", str(config)],
            "daily batch": [*dagster, "job", "execute", *location, "-j", "daily_batch",
                            "--tags", json.dumps(range_tags)],
            "report": [sys.executable, "-m", "shop_analytics.cli", "report"],
        }  # fmt: skip
        for name, args in commands.items():
            others[name] = _launch(args, env, tmp_path / f"{name.replace(' ', '-')}.log")
        for name, process in others.items():
            code = process.wait(timeout=PROCESS_TIMEOUT_S)
            log = (tmp_path / f"{name.replace(' ', '-')}.log").read_text(errors="replace")
            assert code == 0, f"{name} failed ({code}):\n{log[-4000:]}"
            assert "is in use by another process" not in log
        assert stream.poll() is None, "the stream must keep running beside the others"
        producer.join(timeout=PROCESS_TIMEOUT_S)
        h.wait_until_committed(place, group, timeout_s=PROCESS_TIMEOUT_S, alive=stream)
        stream.send_signal(signal.SIGTERM)
        assert stream.wait(timeout=120) == 0
    finally:
        for process in [stream, *others.values()]:
            process.kill()
    assert_exactly_once(place, {m["purchase_id"] for m in messages})
    assert "handed embedded ClickHouse to a waiting process" in stream_log.read_text()
