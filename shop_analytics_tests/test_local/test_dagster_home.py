"""The instance config: SQLite by default, PostgreSQL storage when DAGSTER_PG_HOST is set or
DAGSTER_STORAGE=postgres asks for the platform's server."""

from __future__ import annotations

import os
from pathlib import Path
from unittest import mock

import dagster as dg
import pytest
import yaml
from click.testing import CliRunner
from dagster._core.instance.config import dagster_instance_config

from shop_analytics import settings as settings_module
from shop_analytics.cli import main
from shop_analytics.local.dagster_home import (
    platform_postgres_variables,
    prepare_dagster_home,
    storage_kind,
    uses_platform_postgres,
)
from shop_analytics.local.process import ServiceError

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


def test_storage_kind_follows_dagster_storage_and_dagster_pg_host() -> None:
    assert storage_kind({}) == "sqlite"
    assert storage_kind({"DAGSTER_STORAGE": "postgres"}) == "postgres"
    assert storage_kind({"DAGSTER_STORAGE": "sqlite", "DAGSTER_PG_HOST": "db"}) == "postgres"
    assert uses_platform_postgres({"DAGSTER_STORAGE": "postgres"})
    assert not uses_platform_postgres({"DAGSTER_STORAGE": "postgres", "DAGSTER_PG_HOST": "db"})
    with pytest.raises(ServiceError, match="DAGSTER_STORAGE='mysql'"):
        storage_kind({"DAGSTER_STORAGE": "mysql"})


def test_platform_postgres_variables_name_a_dagster_database_on_the_platform_server() -> None:
    embedded = settings_module.load({"SHOP_ANALYTICS_PORT_BASE": "30000"})
    assert platform_postgres_variables(embedded) == {
        "DAGSTER_PG_HOST": "127.0.0.1",
        "DAGSTER_PG_PORT": "30432",
        "DAGSTER_PG_USERNAME": "postgres",
        "DAGSTER_PG_PASSWORD": "",
        "DAGSTER_PG_DB": "dagster",
    }
    external = settings_module.load({"POSTGRES_DSN": "postgresql://shop:s3cret@db:6543/shop"})
    derived = platform_postgres_variables(external)
    assert (derived["DAGSTER_PG_HOST"], derived["DAGSTER_PG_PORT"]) == ("db", "6543")
    assert (derived["DAGSTER_PG_USERNAME"], derived["DAGSTER_PG_PASSWORD"]) == ("shop", "s3cret")


def test_dagster_home_prints_export_lines_for_sqlite(tmp_path: Path) -> None:
    env = {
        "SHOP_ANALYTICS_HOME": str(tmp_path),
        "DAGSTER_HOME": str(tmp_path / "dagster home"),
        "DAGSTER_STORAGE": "sqlite",
    }
    # The command fills the embedded defaults into os.environ: keep them out of later tests.
    with mock.patch.dict(os.environ):
        result = CliRunner().invoke(main, ["dagster-home"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output == f"export DAGSTER_HOME='{tmp_path / 'dagster home'}'\n"


def test_dagster_storage_postgres_creates_and_uses_the_stacks_dagster_database(
    stack: settings_module.Settings, tmp_path: Path
) -> None:
    # What `make demo` does with DAGSTER_STORAGE=postgres: prepare the home, then load it.
    with mock.patch.dict(
        os.environ, {"DAGSTER_STORAGE": "postgres", "DAGSTER_HOME": str(tmp_path)}
    ):
        os.environ.pop("DAGSTER_PG_HOST", None)
        home = prepare_dagster_home(stack)
        assert os.environ["DAGSTER_PG_PORT"] == str(stack.port("postgres"))
        instance = dg.DagsterInstance.from_config(str(home))
        try:
            assert type(instance.run_storage).__name__ == "PostgresRunStorage"
            assert instance.get_runs_count() >= 0
        finally:
            instance.dispose()
