"""Crashes and outages while purchases flow: the fact table ends with each purchase exactly once.

Real Kafka, real chDB, real S3: 200 k purchases and five kill -9 restarts, each restart with a
backlog of its own so that every kill lands after a commit and before the end, whatever the
machine's speed (the whole test takes about a minute on two cores).
"""

from __future__ import annotations

import random
import signal
import threading
import time
from pathlib import Path
from typing import Any

from shop_analytics.local.kafka import KafkaService
from shop_analytics.settings import Settings
from shop_analytics_tests.test_streaming import helpers as h
from shop_analytics_tests.test_streaming.checks import assert_exactly_once


def stream_args(place: h.StreamPlace) -> tuple[str, ...]:
    # A group per test: a static member that rejoins its group gets its previous assignment
    # back, even when it now subscribes to another topic.
    return ("--group-id", group(place), "--instance-id", "stream-1", "--log-interval", "1")


def group(place: h.StreamPlace) -> str:
    return f"fault-{place.topic}"


def produce_in_background(
    place: h.StreamPlace, messages: list[dict[str, Any]], rate_per_s: float
) -> threading.Thread:
    thread = threading.Thread(
        target=h.produce,
        args=(place.bootstrap, place.topic, messages),
        kwargs={"rate_per_s": rate_per_s},
        daemon=True,
    )
    thread.start()
    return thread


def total_committed(place: h.StreamPlace) -> int:
    return sum(h.committed(place.bootstrap, group(place), place.topic).values())


def finish(place: h.StreamPlace, log: Path) -> None:
    """A last stream that catches up, then stops on SIGTERM."""
    stream = h.start_stream(place, *stream_args(place), log=log)
    try:
        h.wait_until_committed(place, group(place), timeout_s=300, alive=stream)
        stream.send_signal(signal.SIGTERM)
        assert stream.wait(timeout=60) == 0
    finally:
        stream.kill()


def test_kill_9_five_times_while_200k_purchases_flow(stack: Settings, tmp_path: Path) -> None:
    place = h.new_place(stack, tmp_path)
    log = tmp_path / "stream.log"
    messages = h.purchases(200_000, seed=11)
    kills = 5
    # Each restart gets its own chunk, produced at a steady rate while that process runs, so
    # every process has a known backlog to commit from however slowly it starts; the last part
    # is held back until the kills are done, so a kill can never come after everything.
    chunk = 30_000
    chunks = [messages[i * chunk : (i + 1) * chunk] for i in range(kills)]
    tail = messages[kills * chunk :]
    rng = random.Random(5)
    for number, flowing in enumerate(chunks, start=1):
        before = total_committed(place)
        producer = produce_in_background(place, flowing, rate_per_s=6_000)
        stream = h.start_stream(place, *stream_args(place), "--max-batch", "10000", log=log)
        # Kill only once this process has committed something, at a random moment after.
        deadline = time.monotonic() + 180
        while total_committed(place) == before:
            assert stream.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, f"stream {number} committed nothing in 180 s"
            time.sleep(0.2)
        time.sleep(rng.uniform(0.0, 2.0))
        stream.kill()  # SIGKILL: no handler runs, nothing is flushed or committed
        stream.wait()
        producer.join(timeout=300)
        assert not producer.is_alive(), f"chunk {number} was not acknowledged within 300 s"
        assert total_committed(place) < len(messages), "the tail is produced after the kills"
    h.produce(place.bootstrap, place.topic, tail)
    finish(place, log)
    replayed = assert_exactly_once(place, {m["purchase_id"] for m in messages})
    print(f"rows replayed after kills and collapsed by FINAL: {replayed}")


def test_broker_restart_mid_stream(stack: Settings, tmp_path: Path) -> None:
    place = h.new_place(stack, tmp_path)
    log = tmp_path / "stream.log"
    messages = h.purchases(120_000, seed=12)
    before, after = messages[:100_000], messages[100_000:]
    # All acknowledged before the outage: an idempotent producer needs the broker's transaction
    # coordinator, which takes a while to come back after a restart.
    h.produce(place.bootstrap, place.topic, before)
    # Small batches, so the stream is still busy with the first part when the broker stops.
    stream = h.start_stream(place, *stream_args(place), "--max-batch", "1000", log=log)
    try:
        deadline = time.monotonic() + 120
        while total_committed(place) == 0 and time.monotonic() < deadline:
            assert stream.poll() is None, log.read_text()[-3000:]
            time.sleep(0.2)
        kafka = KafkaService(stack)
        committed_at_stop = total_committed(place)
        assert kafka.stop()
        time.sleep(2)
        kafka.start()
        assert stream.poll() is None, "the stream must ride out the outage"
        h.produce(place.bootstrap, place.topic, after)
        h.wait_until_committed(place, group(place), timeout_s=300, alive=stream)
        stream.send_signal(signal.SIGTERM)
        assert stream.wait(timeout=60) == 0
    finally:
        stream.kill()
    assert_exactly_once(place, {m["purchase_id"] for m in messages})
    assert committed_at_stop < len(before), "the broker should stop while the stream is busy"
    assert "Connection refused" in log.read_text(), "the stream saw the broker go away"
