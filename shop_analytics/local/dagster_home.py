"""Lay out DAGSTER_HOME: the repository's dagster.yaml plus the storage this environment uses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import yaml

from shop_analytics.settings import Settings

# dagster-postgres reads each value from the environment at launch, so no secret is written here.
POSTGRES_STORAGE = {
    "postgres": {
        "postgres_db": {
            "hostname": {"env": "DAGSTER_PG_HOST"},
            "port": {"env": "DAGSTER_PG_PORT"},
            "username": {"env": "DAGSTER_PG_USERNAME"},
            "password": {"env": "DAGSTER_PG_PASSWORD"},
            "db_name": {"env": "DAGSTER_PG_DB"},
        }
    }
}


def instance_config(
    template: Path = Path("dagster.yaml"), environ: Mapping[str, str] | None = None
) -> dict[str, object]:
    """The instance config: SQLite by default, PostgreSQL storage when DAGSTER_PG_HOST is set.

    ``template`` is the project's dagster.yaml, read from the project directory (the working
    directory of every command, as workspace.yaml is).
    """
    env = os.environ if environ is None else environ
    config: dict[str, object] = yaml.safe_load(template.read_text())
    if env.get("DAGSTER_PG_HOST"):
        config["storage"] = POSTGRES_STORAGE
    return config


def prepare_dagster_home(settings: Settings, environ: Mapping[str, str] | None = None) -> Path:
    """Write DAGSTER_HOME/dagster.yaml (default home: under the stack's home) and return it."""
    env = os.environ if environ is None else environ
    home = Path(env.get("DAGSTER_HOME") or settings.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = instance_config(environ=env)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return home
