"""The README's command lines, run as written, on the stack the package's backfill filled."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from shop_analytics_tests.test_backfill.conftest import (
    FIRST_DAY,
    REPO_ROOT,
    Backfill,
    cli_command,
)

# The package's fixture seeds, ingests and backfills hundreds of days (Spark included) before the
# first test: more than the suite's default 600 s on a busy two-core machine.
pytestmark = pytest.mark.timeout(1800)
DAY = FIRST_DAY.isoformat()
# The `dagster` of the README, run by this interpreter: the virtualenv need not be on PATH.
DAGSTER = [sys.executable, "-m", "dagster"]


def _run(command: list[str], home: Path, backfill: Backfill) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **backfill.environment, "DAGSTER_HOME": str(home)}
    return subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900
    )


@pytest.mark.parametrize("selection", ["clients,sellers,products"])
def test_dagster_asset_materialize_as_documented(
    backfill: Backfill, tmp_path: Path, selection: str
) -> None:
    command = [*DAGSTER, "asset", "materialize", "-m", "shop_analytics.definitions",
               "--select", selection]  # fmt: skip
    result = _run(command, tmp_path, backfill)
    assert result.returncode == 0, result.stderr[-3000:]


def test_purchases_alone_records_both_tables(backfill: Backfill, tmp_path: Path) -> None:
    command = [*DAGSTER, "asset", "materialize", "-m", "shop_analytics.definitions",
               "--select", "purchases"]  # fmt: skip
    result = _run(command, tmp_path, backfill)
    assert result.returncode == 0, result.stderr[-3000:]
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        for key in ("purchases", "raw_purchases"):
            event = instance.get_latest_materialization_event(dg.AssetKey(key))
            assert event is not None and event.asset_materialization is not None, key
            assert "offset_ranges" in event.asset_materialization.metadata


def test_backfill_of_some_assets(backfill: Backfill, tmp_path: Path) -> None:
    result = _run(
        cli_command("backfill", "--start", DAY, "--end", DAY, "--assets", "purchase_records"),
        tmp_path,
        backfill,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "[purchase_records] 1 days, " in result.stdout


def test_a_failed_backfill_exits_1_with_one_line(backfill: Backfill, tmp_path: Path) -> None:
    result = _run(
        cli_command("backfill", "--start", DAY, "--end", DAY, "--assets", "no_such_asset"),
        tmp_path,
        backfill,
    )
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("backfill failed")]
    assert len(errors) == 1 and "no_such_asset" in errors[0], result.stderr[-3000:]


def test_dagster_job_execute_equivalent_as_documented(backfill: Backfill, tmp_path: Path) -> None:
    tags = {"dagster/asset_partition_range_start": DAY, "dagster/asset_partition_range_end": DAY}
    command = [*DAGSTER, "job", "execute", "-m", "shop_analytics.definitions",
               "-j", "daily_batch", "--tags", json.dumps(tags)]  # fmt: skip
    result = _run(command, tmp_path, backfill)
    assert result.returncode == 0, result.stderr[-3000:]
