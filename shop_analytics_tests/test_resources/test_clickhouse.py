"""ClickHouse resource on embedded chDB: ReplacingMergeTree semantics, turns between processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from shop_analytics.resources.clickhouse import ClickHouseLockTimeout, ClickHouseResource


@pytest.fixture
def clickhouse(tmp_path: Path) -> ClickHouseResource:
    return ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}", lock_timeout_s=2)


def test_replacing_merge_tree_final_keeps_latest_version(clickhouse: ClickHouseResource) -> None:
    with clickhouse.session() as client:
        client.command(
            "CREATE TABLE events (id UInt32, value String, version UInt64) "
            "ENGINE = ReplacingMergeTree(version) ORDER BY id"
        )
        # Two inserts make two parts, so the duplicate survives until a merge or FINAL.
        columns = ["id", "value", "version"]
        client.insert("events", [[1, "old", 1], [2, "only", 1]], column_names=columns)
        client.insert("events", [[1, "new", 2]], column_names=columns)
        assert client.query("SELECT count() FROM events").result_rows == [(3,)]
        final = client.query("SELECT id, value FROM events FINAL ORDER BY id").result_rows
    assert final == [(1, "new"), (2, "only")]

    # Data outlives the session: a new session reads what the first wrote.
    with clickhouse.session() as client:
        assert client.query("SELECT count() FROM events FINAL").result_rows == [(2,)]


def test_second_process_waits_then_fails_clearly(clickhouse: ClickHouseResource) -> None:
    holder = textwrap.dedent(
        f"""
        import sys, time
        from shop_analytics.resources.clickhouse import ClickHouseResource
        with ClickHouseResource(dsn={clickhouse.dsn!r}).session() as client:
            client.command("SELECT 1")
            print("holding", flush=True)
            time.sleep(30)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        started = time.monotonic()
        with (
            pytest.raises(ClickHouseLockTimeout, match="in use by another process"),
            clickhouse.session(),
        ):
            pass
        assert time.monotonic() - started < 10
    finally:
        proc.kill()
        proc.wait()
    # Once the holder is gone the directory is free again.
    with clickhouse.session() as client:
        assert client.query("SELECT 1").result_rows == [(1,)]


def test_unreachable_server_fails_within_timeout() -> None:
    resource = ClickHouseResource(dsn="http://127.0.0.1:1", connect_timeout_s=2)
    started = time.monotonic()
    with pytest.raises(Exception, match=r"(?i)connect|refused"), resource.session():
        pass
    assert time.monotonic() - started < 10


def test_a_held_session_hands_the_directory_to_a_waiting_process(tmp_path: Path) -> None:
    """The stream's way: hold a session, and give it up between units of work when asked."""
    dsn = f"chdb://{tmp_path / 'clickhouse'}"
    holder = textwrap.dedent(
        f"""
        import time
        from shop_analytics.resources.clickhouse import ClickHouseResource
        with ClickHouseResource(dsn={dsn!r}).held_session() as session:
            session.client.command(
                "CREATE TABLE marks (who String) ENGINE = MergeTree ORDER BY who"
            )
            session.client.insert("marks", [["holder"]], column_names=["who"])
            print("holding", flush=True)
            while not session.others_waiting():
                time.sleep(0.01)
            session.hand_over()
            rows = session.client.query("SELECT who FROM marks ORDER BY who").result_rows
            print(",".join(who for (who,) in rows), session.hand_overs, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        with ClickHouseResource(dsn=dsn).session() as client:
            client.insert("marks", [["visitor"]], column_names=["who"])
        # The holder got the directory back, with a new client that sees the visitor's row.
        assert proc.stdout.readline().split() == ["holder,visitor", "1"]
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()


def test_a_holder_killed_with_sigkill_leaves_chdb_usable(clickhouse: ClickHouseResource) -> None:
    holder = textwrap.dedent(
        f"""
        import time
        from shop_analytics.resources.clickhouse import ClickHouseResource
        with ClickHouseResource(dsn={clickhouse.dsn!r}).session() as client:
            client.command("CREATE TABLE kept (x UInt8) ENGINE = MergeTree ORDER BY x")
            client.insert("kept", [[7]], column_names=["x"])
            print("holding", flush=True)
            time.sleep(300)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    # chDB's own lock on its status file went with the process: an unclean stop, still usable.
    with clickhouse.session() as client:
        assert client.query("SELECT x FROM kept").result_rows == [(7,)]
