"""Every command fails on a waiting problem with one line and exit code 1, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from shop_analytics.cli.runner import run_with_settings
from shop_analytics.resources.chdb_lock import ChdbLockTimeout, DirectoryLock
from shop_analytics.settings import Settings


def test_a_lock_timeout_is_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "clickhouse"

    def report(_settings: Settings) -> None:
        with DirectoryLock(data_dir, timeout_s=60), DirectoryLock(data_dir, timeout_s=0.1):
            pass  # the second turn waits behind the first, which it can never get past

    with pytest.raises(SystemExit) as exited:
        run_with_settings(report)
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: embedded ClickHouse at {data_dir} is in use by another process")
    assert err.count("\n") == 1


def test_other_errors_keep_their_traceback() -> None:
    def broken(_settings: Settings) -> None:
        raise ValueError("a bug")

    with pytest.raises(ValueError, match="a bug"):
        run_with_settings(broken)


def test_the_lock_timeout_is_the_resources_exception() -> None:
    from shop_analytics.resources.clickhouse import ClickHouseLockTimeout

    assert ClickHouseLockTimeout is ChdbLockTimeout
