"""Commands that run the local stack and the Dagster UI."""

from __future__ import annotations

import os

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings
from shop_analytics.local import stack


@click.command()
def up() -> None:
    """Start the embedded services (idempotent: running ones are left as they are)."""
    run_with_settings(lambda s: stack.up(s, echo=click.echo))


@click.command()
def down() -> None:
    """Stop the embedded services this stack started; external systems are not touched."""
    run_with_settings(lambda s: stack.down(s, echo=click.echo))


@click.command()
def status() -> None:
    """One line per system: up or down, and where."""

    def report(s: settings_module.Settings) -> None:
        for line in stack.status(s):
            click.echo(line.line())

    run_with_settings(report)


@click.command("check-stack")
def check_stack() -> None:
    """Bring the stack up and do a round trip through every system, printing each step."""
    from shop_analytics.cli.roundtrip import run_roundtrip

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        run_roundtrip(s, echo=click.echo)

    run_with_settings(run)


@click.command()
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

    run_with_settings(run)


@click.command("dagster-home")
def dagster_home() -> None:
    """Write DAGSTER_HOME/dagster.yaml (PostgreSQL storage when DAGSTER_PG_HOST is set)."""
    from shop_analytics.local.dagster_home import prepare_dagster_home

    run_with_settings(lambda s: click.echo(prepare_dagster_home(s)))


COMMANDS = [up, down, status, check_stack, ui, dagster_home]
