"""`shop-analytics stream` as a process: SIGTERM, sharing its embedded chDB, a rebalance."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from confluent_kafka.admin import AdminClient

from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics.settings import Settings
from shop_analytics.streaming import RAW_PURCHASES_TABLE
from shop_analytics.tables.registry import provision_clickhouse
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


def wait_for_members_with_partitions(
    place: h.StreamPlace,
    group: str,
    count: int,
    process: subprocess.Popen[bytes],
    timeout_s: float,
) -> None:
    """Until ``count`` members of ``group`` hold partitions (the rebalance is done)."""
    admin = AdminClient({"bootstrap.servers": place.bootstrap})
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "a stream exited while the group rebalanced"
        description = admin.describe_consumer_groups([group])[group].result(timeout=30)
        holders = [m for m in description.members if m.assignment.topic_partitions]
        if len(holders) >= count:
            return
        time.sleep(0.5)
    raise AssertionError(f"{count} members of {group} did not hold partitions within {timeout_s} s")


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


def test_sessions_beside_the_stream_get_their_turn_and_every_purchase_arrives_once(
    stack: Settings, tmp_path: Path
) -> None:
    """Another process opens sessions on the stream's chDB again and again while it ingests.

    The stream holds the directory except when it hands it over, so each of the visitor's
    sessions is exactly one hand-over, logged by the stream.
    """
    place = h.new_place(stack, tmp_path)
    log = tmp_path / "stream.log"
    messages = h.purchases(30_000, seed=3)
    stream = h.start_stream(place, "--group-id", GROUP, "--max-batch", "5000", log=log)
    visitor = None
    try:
        wait_for_line(log, "consuming", stream, timeout_s=120)
        visitor = subprocess.Popen(
            [sys.executable, "-c", VISITOR.format(dsn=f"chdb://{place.chdb_dir}", total=30_000)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert visitor.stdout is not None and visitor.stdout.readline().strip() == "ready"
        # Produced only now: the visitor's first session sees none of it, its last all of it.
        h.produce(place.bootstrap, place.topic, messages, rate_per_s=5_000)
        counts = [int(line) for line in visitor.stdout]
        assert visitor.wait(timeout=120) == 0
        h.wait_until_committed(place, GROUP, timeout_s=120, alive=stream)
        stream.send_signal(signal.SIGTERM)
        assert stream.wait(timeout=60) == 0
    finally:
        stream.kill()
        if visitor is not None:
            visitor.kill()
    assert counts[0] < len(messages) and counts[-1] == len(messages)
    assert counts == sorted(counts)
    output = log.read_text()
    assert output.count("handed embedded ClickHouse to a waiting process") == len(counts)
    assert f"handed to other processes {len(counts)} times" in output
    assert_exactly_once(place, {m["purchase_id"] for m in messages})


# Sessions in turn with the stream until it has ingested everything; one count per line.
VISITOR = """
import time
from shop_analytics.resources.clickhouse import ClickHouseResource
clickhouse = ClickHouseResource(dsn={dsn!r})
print("ready", flush=True)
count = -1
while count < {total}:
    with clickhouse.session() as client:
        count = client.query("SELECT count() FROM purchases FINAL").result_rows[0][0]
    print(count, flush=True)
    time.sleep(0.2)
"""


def test_a_stream_that_never_gets_its_turn_stops_with_one_line(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path)
    log = tmp_path / "stream.log"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(dsn=f"chdb://{place.chdb_dir}")],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        stream = h.start_stream(place, "--group-id", GROUP, "--lock-timeout", "3", log=log)
        assert stream.wait(timeout=120) == 1
    finally:
        holder.kill()
        holder.wait()
    output = log.read_text()
    assert "error: embedded ClickHouse at" in output
    assert "is in use by another process (waited 3s)" in output
    assert "Traceback" not in output


# A session that is never handed over: a process outside the rules, or one stuck in its work.
HOLDER = """
import time
from shop_analytics.resources.clickhouse import ClickHouseResource
with ClickHouseResource(dsn={dsn!r}).session():
    print("holding", flush=True)
    time.sleep(300)
"""


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
    provision_clickhouse(ClickHouseResource(dsn=f"chdb://{second_chdb}"))  # as `up` would
    messages = h.purchases(80_000, seed=21)
    args = ("--group-id", group, "--max-batch", "5000", "--log-interval", "1")
    first = h.start_stream(place, *args, log=first_log)
    second = None
    # The first half flows while the second member joins; the second half is produced once both
    # members hold partitions, so that each of them has rows to write however slow the machine.
    producer = threading.Thread(
        target=h.produce,
        args=(place.bootstrap, place.topic, messages[:40_000]),
        kwargs={"rate_per_s": 5_000},
        daemon=True,
    )
    try:
        wait_for_line(first_log, "consuming", first, timeout_s=120)
        producer.start()  # 8 s of purchases: the second member joins while they flow
        time.sleep(3)
        second = h.start_stream(
            place, *args, log=second_log, extra_env={"CLICKHOUSE_DSN": f"chdb://{second_chdb}"}
        )
        wait_for_members_with_partitions(place, group, 2, second, timeout_s=180)
        producer.join(timeout=300)
        h.produce(place.bootstrap, place.topic, messages[40_000:], rate_per_s=5_000)
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
