"""The code location loads, validates, and wires every resource to its variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from shop_analytics import settings
from shop_analytics.definitions import defs, resource_values
from shop_analytics.defs import common
from shop_analytics.resources import build_resources

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_every_system_has_a_resource() -> None:
    expected = {"postgres", "kafka", "lake", "clickhouse", "spark", "s3", "reports"}
    assert set(defs.resources or {}) == expected


def test_secrets_are_read_at_launch_not_written_into_the_definitions() -> None:
    value = resource_values({"S3_SECRET_ACCESS_KEY": "s3cr3t"})
    secret = build_resources(value)["lake"].secret_access_key
    assert isinstance(secret, dg.EnvVar)
    assert secret.env_var_name == "S3_SECRET_ACCESS_KEY"


def test_unset_variables_take_the_embedded_defaults_without_touching_the_environment() -> None:
    environ = {"SHOP_ANALYTICS_PORT_BASE": "30000"}
    resources = build_resources(resource_values(environ))
    assert resources["postgres"].dsn == "postgresql://postgres@127.0.0.1:30432/shop"
    assert environ == {"SHOP_ANALYTICS_PORT_BASE": "30000"}


@pytest.mark.stack  # a fresh interpreter importing the code location: slow for the unit tier
def test_loading_the_code_location_leaves_the_environment_as_it_found_it() -> None:
    code = (
        "import os; before = dict(os.environ); import shop_analytics.definitions; "
        "assert dict(os.environ) == before, set(os.environ) ^ set(before)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in settings.as_environment_keys()}
    subprocess.run([sys.executable, "-c", code], env=clean, check=True, cwd=REPO_ROOT)


@pytest.mark.stack  # a dagster subprocess: slow for the unit tier
def test_dagster_definitions_validate_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.stack  # a dg subprocess: slow for the unit tier
def test_dg_check_defs_passes() -> None:
    """The `dg` CLI loads the project from `[tool.dg]` and the defs folder, as users run it."""
    dg_cli = Path(sys.executable).with_name("dg")
    result = subprocess.run(
        [str(dg_cli), "check", "defs", "--use-active-venv"],
        cwd=REPO_ROOT,
        env={**os.environ, "VIRTUAL_ENV": str(Path(sys.executable).parent.parent)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All definitions loaded successfully" in result.stdout + result.stderr


def test_defs_folder_has_one_folder_per_stage() -> None:
    stages = {"sources", "ingest", "stage", "batch", "marts", "report"}
    groups = {key.to_user_string(): group for key, group in _groups().items()}
    defs_dir = REPO_ROOT / "shop_analytics" / "defs"
    assert stages <= {p.name for p in defs_dir.iterdir() if p.is_dir()}
    assert groups["purchase_records"] == "stage" and groups["sales_report"] == "report"


def _groups() -> dict[dg.AssetKey, str]:
    return {
        key: group
        for assets_def in defs.assets or []
        if isinstance(assets_def, dg.AssetsDefinition)
        for key, group in assets_def.group_names_by_key.items()
    }


def test_run_tags_are_the_ones_dagster_puts_on_partition_runs() -> None:
    from dagster._core.storage import tags  # the test may look inside; the package does not

    assert common.PARTITION_TAG == tags.PARTITION_NAME_TAG
    assert common.range_tags("2025-01-01", "2025-01-31") == {
        tags.ASSET_PARTITION_RANGE_START_TAG: "2025-01-01",
        tags.ASSET_PARTITION_RANGE_END_TAG: "2025-01-31",
    }
