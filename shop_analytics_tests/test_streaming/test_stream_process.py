"""`shop-analytics stream` as a process: SIGTERM, one embedded chDB per process, a rebalance."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.settings import Settings
from shop_analytics.streaming import RAW_PURCHASES_TABLE
from shop_analytics_tests.test_streaming import helpers as h
from shop_analytics_tests.test_streaming.checks import assert_exactly_once

GROUP = "stream-test"


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        assert process.poll() is None, f"stream exited:\n{log.read_text()[-3000:]}"
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not logged within {timeout_s} s:\n{log.read_text()[-3000:]}")


def test_sigterm_finishes_the_batch_commits_and_exits(stack: Settings, tmp_path: Path) -> None:
    place = h.new_place(stack, tmp_path)
    log = tmp_path / "stream.log"
    messages = h.purchases(20_000)
    h.produce(place.bootstrap, place.topic, messages[:10_000])
    stream = h.start_stream(place, "--group-id", GROUP, "--log-interval", "1", log=log)
    try:
        h.produce(place.bootstrap, place.topic, messages[10_000:])
        h.wait_until_committed(place, GROUP, timeout_s=180, alive=stream)
        stream.send_signal(signal.SIGTERM)
        assert stream.wait(timeout=60) == 0
    finally:
        stream.kill()
    output = log.read_text()
    assert "SIGTERM: finishing the current batch" in output
    assert "dlq=0 lag=0" in output, "the periodic line reports rows/s, dead letters and lag"
    assert_exactly_once(place, {m["purchase_id"] for m in messages})


def test_a_second_stream_on_the_same_chdb_waits_then_stops_clearly(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path)
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    messages = h.purchases(5_000, seed=3)
    first = h.start_stream(place, "--group-id", GROUP, log=first_log)
    try:
        wait_for_line(first_log, "consuming", first, timeout_s=120)
        second = h.start_stream(place, "--group-id", GROUP, "--lock-timeout", "3", log=second_log)
        assert second.wait(timeout=120) == 2
        assert "is in use by another process (waited 3s)" in second_log.read_text()
        # The first one was not disturbed: it still ingests, and everything arrives once.
        h.produce(place.bootstrap, place.topic, messages)
        h.wait_until_committed(place, GROUP, timeout_s=120, alive=first)
        first.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
    finally:
        first.kill()
    assert_exactly_once(place, {m["purchase_id"] for m in messages})


def test_two_streams_in_one_group_split_the_topic_and_the_lake_gets_each_purchase_once(
    stack: Settings, tmp_path: Path
) -> None:
    """A member joins while batches are in flight: the rebalance waits for the write in flight.

    Each process has its own chDB (one per process), both append to the same lake table; a
    partition revoked with a batch still being written would be read again by the other member
    and appended twice to the lake.
    """
    place = h.new_place(stack, tmp_path)
    group = f"pair-{place.topic}"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    second_chdb = tmp_path / "clickhouse-second"
    messages = h.purchases(80_000, seed=21)
    args = ("--group-id", group, "--max-batch", "5000", "--log-interval", "1")
    first = h.start_stream(place, *args, log=first_log)
    second = None
    producer = threading.Thread(
        target=h.produce,
        args=(place.bootstrap, place.topic, messages),
        kwargs={"rate_per_s": 5_000},
        daemon=True,
    )
    try:
        wait_for_line(first_log, "consuming", first, timeout_s=120)
        producer.start()  # 16 s of purchases: the second member joins while they flow
        time.sleep(3)
        second = h.start_stream(
            place, *args, log=second_log, extra_env={"CLICKHOUSE_DSN": f"chdb://{second_chdb}"}
        )
        producer.join(timeout=300)
        h.wait_until_committed(place, group, timeout_s=180, alive=first)
        for stream in (first, second):
            stream.send_signal(signal.SIGTERM)
        assert first.wait(timeout=60) == 0
        assert second.wait(timeout=60) == 0
    finally:
        first.kill()
        if second is not None:
            second.kill()
    wanted = {m["purchase_id"] for m in messages}
    found: list[set[str]] = []
    for chdb in (place.chdb_dir, second_chdb):
        with ClickHouseResource(dsn=f"chdb://{chdb}").session() as client:
            ids = [pid for (pid,) in client.query(FINAL_IDS).result_rows]
        assert len(ids) == len(set(ids)), "duplicated purchase_ids under FINAL"
        found.append(set(ids))
    assert all(found), "both members should have been given partitions and written rows"
    assert found[0] | found[1] == wanted
    lake = place.resources()["lake"].read(RAW_PURCHASES_TABLE, columns=["purchase_id"])
    ids = lake["purchase_id"].to_pylist()
    assert len(ids) == len(set(ids)) and set(ids) == wanted, "the lake lost or doubled rows"


FINAL_IDS = "SELECT toString(purchase_id) FROM purchases FINAL"
