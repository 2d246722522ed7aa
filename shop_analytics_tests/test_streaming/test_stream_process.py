"""`shop-analytics stream` as a process: SIGTERM, and one embedded chDB per process."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from shop_analytics.settings import Settings
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
