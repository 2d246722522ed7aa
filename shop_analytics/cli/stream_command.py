"""`shop-analytics stream`: the long-running Kafka -> ClickHouse + lake ingestor."""

from __future__ import annotations

import sys

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings


@click.command()
@click.option("--group-id", default="shop-analytics-stream", show_default=True)
@click.option(
    "--instance-id", default=None, help="Static group member id: a restart resumes at once."
)
@click.option("--max-batch", default=50_000, show_default=True, help="Messages per batch.")
@click.option("--max-wait", default=0.5, show_default=True, help="Seconds a batch may wait.")
@click.option("--log-interval", default=10.0, show_default=True, help="Seconds between logs.")
@click.option(
    "--lock-timeout",
    type=float,
    default=None,
    help="Seconds to wait for the turn on an embedded chDB (default 120); exit 1 after them.",
)
def stream(
    group_id: str,
    instance_id: str | None,
    max_batch: int,
    max_wait: float,
    log_interval: float,
    lock_timeout: float | None,
) -> None:
    """Ingest purchases from Kafka into ClickHouse and the lake until SIGTERM."""
    from shop_analytics.resources.kafka import KafkaUnreachableError
    from shop_analytics.streaming.config import IngestConfig
    from shop_analytics.streaming.stream_command import stream_main

    def run(s: settings_module.Settings) -> None:
        try:
            stream_main(
                s,
                group_id=group_id,
                instance_id=instance_id,
                config=IngestConfig(max_batch_messages=max_batch, max_batch_wait_s=max_wait),
                log_interval_s=log_interval,
                lock_timeout_s=lock_timeout,
            )
        except KafkaUnreachableError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(2)

    run_with_settings(run)
