"""`shop-analytics`: run the local stack and the platform from a shell."""

from __future__ import annotations

import click

from shop_analytics.cli import dagster_commands, pipeline_commands, stack_commands
from shop_analytics.cli.api_command import api
from shop_analytics.cli.backfill import backfill
from shop_analytics.cli.dashboard_command import dashboard
from shop_analytics.cli.load_command import load
from shop_analytics.cli.stream_command import stream


@click.group()
def main() -> None:
    """Purchase analytics on PostgreSQL, Kafka, Delta Lake on S3, ClickHouse and Spark."""


for command in [
    *stack_commands.COMMANDS,
    *dagster_commands.COMMANDS,
    *pipeline_commands.COMMANDS,
    stream,
    api,
    dashboard,
    backfill,
    load,
]:
    main.add_command(command)
