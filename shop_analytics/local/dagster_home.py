"""Lay out DAGSTER_HOME: the repository's dagster.yaml plus the storage this environment uses.

Storage is SQLite under DAGSTER_HOME unless one of these asks for PostgreSQL (dagster-postgres):

- ``DAGSTER_PG_HOST`` (with ``DAGSTER_PG_PORT``, ``_USERNAME``, ``_PASSWORD``, ``_DB``): a server
  the user names, used as is (docker-compose, production);
- ``DAGSTER_STORAGE=postgres``: a ``dagster`` database on the platform's own PostgreSQL (the
  embedded server, or ``POSTGRES_DSN``), created when missing; the DAGSTER_PG_* variables are
  derived from the platform's DSN and put into the environment of the processes started here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping
from pathlib import Path

import dagster as dg
import psycopg
import yaml
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict

from shop_analytics.local.process import ServiceError
from shop_analytics.settings import Settings

STORAGE_VARIABLE = "DAGSTER_STORAGE"
STORAGE_KINDS = ("sqlite", "postgres")
# The instance's database beside the platform's own (`shop`), on the same server.
DAGSTER_DATABASE = "dagster"
CONNECT_TIMEOUT_S = 5

# dagster-postgres reads each value from the environment at launch, so no secret is written here.
POSTGRES_STORAGE = {
    "postgres": {
        "postgres_db": {
            "hostname": {"env": "DAGSTER_PG_HOST"},
            "port": {"env": "DAGSTER_PG_PORT"},
            "username": {"env": "DAGSTER_PG_USERNAME"},
            "password": {"env": "DAGSTER_PG_PASSWORD"},
            "db_name": {"env": "DAGSTER_PG_DB"},
            # dagster-postgres is written for psycopg2, but SQLAlchemy 2.1 gives a plain
            # postgresql:// URL to psycopg 3, whose server-side parameters break its
            # `NOTIFY run_events, %s` (a syntax error that leaves the connection closed).
            "scheme": "postgresql+psycopg2",
        }
    }
}


def storage_kind(environ: Mapping[str, str] | None = None) -> str:
    """``postgres`` when DAGSTER_PG_HOST is set or DAGSTER_STORAGE asks for it, else ``sqlite``."""
    env = os.environ if environ is None else environ
    if env.get("DAGSTER_PG_HOST"):
        return "postgres"
    kind = env.get(STORAGE_VARIABLE) or "sqlite"
    if kind not in STORAGE_KINDS:
        raise ServiceError(
            f"{STORAGE_VARIABLE}={kind!r}: expected one of {', '.join(STORAGE_KINDS)}"
        )
    return kind


def uses_platform_postgres(environ: Mapping[str, str] | None = None) -> bool:
    """True when the instance goes into a database on the platform's PostgreSQL server."""
    env = os.environ if environ is None else environ
    return storage_kind(env) == "postgres" and not env.get("DAGSTER_PG_HOST")


def platform_postgres_variables(settings: Settings) -> dict[str, str]:
    """DAGSTER_PG_* naming the ``dagster`` database on the server of ``settings.postgres_dsn``."""
    dsn = conninfo_to_dict(settings.postgres_dsn)
    return {
        "DAGSTER_PG_HOST": str(dsn.get("host") or "127.0.0.1"),
        "DAGSTER_PG_PORT": str(dsn.get("port") or 5432),
        "DAGSTER_PG_USERNAME": str(dsn.get("user") or "postgres"),
        # Empty is valid: the embedded server trusts local connections.
        "DAGSTER_PG_PASSWORD": str(dsn.get("password") or ""),
        "DAGSTER_PG_DB": DAGSTER_DATABASE,
    }


def ensure_database(settings: Settings, name: str = DAGSTER_DATABASE) -> None:
    """Create database ``name`` on the platform's PostgreSQL server unless it exists."""
    try:
        with psycopg.connect(
            settings.postgres_dsn, connect_timeout=CONNECT_TIMEOUT_S, autocommit=True
        ) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if found is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as error:
        where = platform_postgres_variables(settings)
        raise ServiceError(
            f"dagster storage: cannot create database {name!r} on PostgreSQL "
            f"{where['DAGSTER_PG_HOST']}:{where['DAGSTER_PG_PORT']} ({error}); start the stack "
            "(shop-analytics up) or name a server with DAGSTER_PG_HOST and DAGSTER_PG_*"
        ) from None


def instance_config(
    template: Path = Path("dagster.yaml"), environ: Mapping[str, str] | None = None
) -> dict[str, object]:
    """The instance config: the project's dagster.yaml plus PostgreSQL storage when asked for.

    ``template`` is read from the project directory (the working directory of every command,
    as workspace.yaml is).
    """
    config: dict[str, object] = yaml.safe_load(template.read_text())
    if storage_kind(environ) == "postgres":
        config["storage"] = POSTGRES_STORAGE
    return config


def prepare_dagster_home(
    settings: Settings, environ: MutableMapping[str, str] | None = None
) -> Path:
    """Write DAGSTER_HOME/dagster.yaml (default home: under the stack's home) and return it.

    With DAGSTER_STORAGE=postgres (and no DAGSTER_PG_HOST) the ``dagster`` database is created
    on the platform's server and DAGSTER_PG_* are set in ``environ``, for this process and the
    ones it starts: the instance reads them whenever it loads.
    """
    env = os.environ if environ is None else environ
    if uses_platform_postgres(env):
        ensure_database(settings)
        env.update(platform_postgres_variables(settings))
    home = Path(env.get("DAGSTER_HOME") or settings.home / "dagster")
    home.mkdir(parents=True, exist_ok=True)
    config = instance_config(environ=env)
    (home / "dagster.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    if storage_kind(env) == "sqlite":
        # Create the SQLite storage here, once: processes that open a fresh SQLite instance at
        # the same moment race on its schema migration ("more than one head"). A PostgreSQL
        # server may not be reachable yet (an image build); Dagster migrates it on first use.
        with dg.DagsterInstance.from_config(str(home)):
            pass
    return home


def instance_environment(
    settings: Settings, environ: MutableMapping[str, str] | None = None
) -> dict[str, str]:
    """Prepare DAGSTER_HOME, set it in ``environ``, and return what a shell needs to use it.

    That is DAGSTER_HOME and, for the platform's PostgreSQL, the derived DAGSTER_PG_*; variables
    the user set are theirs already and are not repeated.
    """
    env = os.environ if environ is None else environ
    derived = uses_platform_postgres(env)
    home = prepare_dagster_home(settings, env)
    env["DAGSTER_HOME"] = str(home)
    needed = {"DAGSTER_HOME": str(home)}
    if derived:
        needed.update(platform_postgres_variables(settings))
    return needed
