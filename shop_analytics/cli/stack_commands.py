"""Commands that run the local stack: up, down, status, provision, check-stack,
register-schemas."""

from __future__ import annotations

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


@click.command()
def provision() -> None:
    """Create the platform's missing tables (ClickHouse, PostgreSQL, lake); `up` runs it too.
    Idempotent, and for external systems as well: it uses the same settings as every command."""

    def run(s: settings_module.Settings) -> None:
        for line in stack.provision_tables(s):
            click.echo(line)

    run_with_settings(run)


@click.command("check-stack")
def check_stack() -> None:
    """Bring the stack up and do a round trip through every system, printing each step."""
    from shop_analytics.cli.roundtrip import run_roundtrip

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        run_roundtrip(s, echo=click.echo)

    run_with_settings(run)


@click.command("register-schemas")
def register_schemas() -> None:
    """Register the contracts' schemas in the schema registry (local or SCHEMA_REGISTRY_URL)."""
    from shop_analytics.schema_registry.subjects import provision_subjects

    def run(s: settings_module.Settings) -> None:
        for subject, ids in provision_subjects(s).items():
            versions = ", ".join(f"{version} id {schema_id}" for version, schema_id in ids.items())
            click.echo(f"{subject}: {versions}")

    run_with_settings(run)


COMMANDS = [up, down, status, provision, check_stack, register_schemas]
