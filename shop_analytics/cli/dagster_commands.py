"""Commands that run Dagster on the local stack: the UI (dagster dev) and its DAGSTER_HOME."""

from __future__ import annotations

import os
import shlex
import signal
import sys
from collections.abc import Callable

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings
from shop_analytics.local import stack
from shop_analytics.local.dagster_home import (
    STORAGE_KINDS,
    STORAGE_VARIABLE,
    instance_environment,
    storage_kind,
    uses_platform_postgres,
)


def _storage_option(func: Callable[..., None]) -> Callable[..., None]:
    return click.option(
        "--storage",
        type=click.Choice(STORAGE_KINDS),
        envvar=STORAGE_VARIABLE,
        default="sqlite",
        show_default=True,
        help=f"Where the instance keeps runs, schedules and sensors (or set {STORAGE_VARIABLE}): "
        "SQLite files under DAGSTER_HOME, or a `dagster` database on the stack's PostgreSQL. "
        "DAGSTER_PG_HOST (and DAGSTER_PG_*) names another server and wins over both.",
    )(func)


def dagster_dev_argv(port: int) -> list[str]:
    """`dagster dev` run by this very interpreter: no need for the virtualenv's bin on PATH."""
    return [
        sys.executable, "-m", "dagster", "dev",
        "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml",
    ]  # fmt: skip


@click.command()
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port of the Dagster UI [default: DAGSTER_UI_PORT, else SHOP_ANALYTICS_PORT_BASE + 300].",
)
@_storage_option
def ui(port: int | None, storage: str) -> None:
    """Start the stack and the Dagster UI (dagster dev: webserver and daemon) on 127.0.0.1."""

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        os.environ[STORAGE_VARIABLE] = storage
        home = instance_environment(s)["DAGSTER_HOME"]
        ui_port = port or s.dagster_ui_port
        click.echo(
            f"Dagster UI on http://127.0.0.1:{ui_port} "
            f"(DAGSTER_HOME={home}, {storage_kind()} storage)"
        )
        # A shell starts background jobs with SIGINT ignored, and dagster dev copies that
        # disposition onto SIGTERM: restore both so that `kill PID` stops it and its children.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        argv = dagster_dev_argv(ui_port)
        os.execv(argv[0], argv)

    run_with_settings(run)


@click.command("dagster-home")
@_storage_option
def dagster_home(storage: str) -> None:
    """Write DAGSTER_HOME/dagster.yaml and print the shell lines that point Dagster at it.

    `eval "$(shop-analytics dagster-home)"` sets them in the current shell, so that `dagster`
    commands there use the same instance as `shop-analytics ui`.
    """

    def run(s: settings_module.Settings) -> None:
        os.environ[STORAGE_VARIABLE] = storage
        if uses_platform_postgres() and s.is_embedded("postgres"):
            # The database is created on the embedded server, which must be up; stdout stays
            # for the export lines.
            stack.up(s, echo=lambda line: click.echo(line, err=True))
        for name, value in instance_environment(s).items():
            click.echo(f"export {name}={shlex.quote(value)}")

    run_with_settings(run)


COMMANDS = [ui, dagster_home]
