"""The instance config: SQLite by default, PostgreSQL storage when DAGSTER_PG_HOST is set."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.config import dagster_instance_config

from shop_analytics import settings as settings_module
from shop_analytics.local.dagster_home import prepare_dagster_home

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _in_project_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO_ROOT)


def test_default_instance_is_sqlite_and_loads(tmp_path: Path) -> None:
    s = settings_module.load({"SHOP_ANALYTICS_HOME": str(tmp_path)})
    home = prepare_dagster_home(s, environ={})
    assert home == tmp_path / "dagster"
    assert "storage" not in yaml.safe_load((home / "dagster.yaml").read_text())
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert type(instance.run_storage).__name__ == "SqliteRunStorage"
    finally:
        instance.dispose()


def test_postgres_storage_when_dagster_pg_host_is_set(tmp_path: Path) -> None:
    env = {"DAGSTER_HOME": str(tmp_path / "dh"), "DAGSTER_PG_HOST": "db"}
    home = prepare_dagster_home(settings_module.load({}), environ=env)
    config, _ = dagster_instance_config(str(home))  # validates against Dagster's schema
    assert config["storage"]["postgres"]["postgres_db"]["hostname"] == {"env": "DAGSTER_PG_HOST"}
