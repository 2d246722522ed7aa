"""ClickHouse resource on embedded chDB: ReplacingMergeTree semantics and the one-process rule."""

from __future__ import annotations

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
