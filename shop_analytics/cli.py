"""`shop-analytics`: run the local stack and the platform from a shell."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import click

from shop_analytics import settings as settings_module
from shop_analytics.local import stack
from shop_analytics.local.process import ServiceError


@click.group()
def main() -> None:
    """Purchase analytics on PostgreSQL, Kafka, Delta Lake on S3, ClickHouse and Spark."""


@main.command()
def up() -> None:
    """Start the embedded services (idempotent: running ones are left as they are)."""
    _run(lambda s: stack.up(s, echo=click.echo))


@main.command()
def down() -> None:
    """Stop the embedded services this stack started; external systems are not touched."""
    _run(lambda s: stack.down(s, echo=click.echo))


@main.command()
def status() -> None:
    """One line per system: up or down, and where."""

    def report(s: settings_module.Settings) -> None:
        for line in stack.status(s):
            click.echo(line.line())

    _run(report)


@main.command()
def demo() -> None:
    """Bring the stack up and do a round trip through every system, printing each step."""
    from shop_analytics.roundtrip import run_roundtrip

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        run_roundtrip(s, echo=click.echo)

    _run(run)


@main.command()
@click.option("--port", default=3000, show_default=True, help="Port of the Dagster UI.")
def ui(port: int) -> None:
    """Start the stack and the Dagster UI (dagster dev) on 127.0.0.1."""
    from shop_analytics.local.dagster_home import prepare_dagster_home

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        home = prepare_dagster_home(s)
        os.environ["DAGSTER_HOME"] = str(home)
        click.echo(f"Dagster UI on http://127.0.0.1:{port} (DAGSTER_HOME={home})")
        argv = ["dagster", "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
        os.execvp(argv[0], argv)

    _run(run)


@main.command("dagster-home")
def dagster_home() -> None:
    """Write DAGSTER_HOME/dagster.yaml (PostgreSQL storage when DAGSTER_PG_HOST is set)."""
    from shop_analytics.local.dagster_home import prepare_dagster_home

    _run(lambda s: click.echo(prepare_dagster_home(s)))


def _run(action: Callable[[settings_module.Settings], None]) -> None:
    settings = settings_module.export_defaults()
    try:
        action(settings)
    except ServiceError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
