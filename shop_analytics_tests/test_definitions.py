"""The code location loads, validates, and wires every resource to its variable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import dagster as dg

from shop_analytics.definitions import defs

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_every_system_has_a_resource() -> None:
    expected = {"postgres", "kafka", "lake", "clickhouse", "spark", "s3", "reports"}
    assert set(defs.resources or {}) == expected


def test_secrets_are_read_at_launch_not_written_into_the_definitions() -> None:
    lake = (defs.resources or {})["lake"]
    assert isinstance(lake.secret_access_key, dg.EnvVar)
    assert lake.secret_access_key.env_var_name == "S3_SECRET_ACCESS_KEY"


def test_dagster_definitions_validate_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
