"""Commands that run the pipeline on demo data: demo (all of it), seed, report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings
from shop_analytics.local import stack

if TYPE_CHECKING:
    from shop_analytics.seed import DemoSpec


def _demo_spec_options(func: Callable[..., None]) -> Callable[..., None]:
    """The options shared by `seed` and `demo`: how much demo data, over which days."""
    options = [
        click.option("--clients", default=2_000, show_default=True),
        click.option("--sellers", default=20, show_default=True),
        click.option("--products", default=300, show_default=True),
        click.option("--purchases", default=20_000, show_default=True),
        click.option("--days", default=7, show_default=True, help="Days with purchases."),
        click.option(
            "--end-day",
            type=click.DateTime(["%Y-%m-%d"]),
            default=None,
            help="Last day with purchases (default: yesterday, UTC).",
        ),
        click.option("--seed", "seed_value", default=42, show_default=True, help="Random seed."),
        click.option(
            "--rate", default=0.0, show_default=True, help="Purchases per second (0: no limit)."
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _demo_spec(
    clients: int,
    sellers: int,
    products: int,
    purchases: int,
    days: int,
    end_day: datetime | None,
    seed_value: int,
) -> DemoSpec:
    from shop_analytics.seed import DemoSpec

    return DemoSpec(
        clients=clients,
        sellers=sellers,
        products=products,
        purchases=purchases,
        days=days,
        end_day=end_day.date() if end_day is not None else None,
        seed=seed_value,
    )


@click.command()
@_demo_spec_options
def demo(rate: float, **spec_options: Any) -> None:
    """The whole pipeline on the local stack: seed, stream, ingest, stage, Spark, marts, report."""
    from shop_analytics.cli.demo import run_pipeline
    from shop_analytics.cli.summary import print_summary

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        spec = _demo_spec(**spec_options)
        report = run_pipeline(s, spec, echo=click.echo, rate=rate)
        print_summary(s, spec.day_keys, report, echo=click.echo)

    run_with_settings(run)


@click.command()
@_demo_spec_options
def seed(rate: float, **spec_options: Any) -> None:
    """Demo clients and sellers (PostgreSQL), products (Delta) and purchases (Kafka)."""
    from shop_analytics.cli.demo import plain_resources
    from shop_analytics.seed.seeding import seed as seed_demo

    def run(s: settings_module.Settings) -> None:
        spec = _demo_spec(**spec_options)
        seeded = seed_demo(plain_resources(s), spec, rate=rate, echo=click.echo)
        for r in seeded.ranges:
            click.echo(f"  {r.topic}[{r.partition}] offsets {r.start}..{r.last}")

    run_with_settings(run)


@click.command()
@click.option("--days", default=7, show_default=True, help="How many days to summarise.")
def report(days: int) -> None:
    """Revenue per day and top categories from the marts, and where the HTML report is."""
    from shop_analytics.cli.summary import print_summary, recent_days

    def run(s: settings_module.Settings) -> None:
        print_summary(s, recent_days(s, days), None, echo=click.echo)

    run_with_settings(run)


COMMANDS = [demo, seed, report]
