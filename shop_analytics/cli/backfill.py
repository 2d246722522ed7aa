"""`shop-analytics backfill`: stage, batch, marts and report for a range of days in one run."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings

DEFAULT_JOB = "daily_batch"
DAY = click.DateTime(["%Y-%m-%d"])


@click.command()
@click.option("--start", type=DAY, required=True, help="First day (UTC), YYYY-MM-DD.")
@click.option("--end", type=DAY, required=True, help="Last day (UTC), YYYY-MM-DD, included.")
@click.option(
    "--assets",
    default="",
    help="Comma-separated asset keys of the job to run (default: every asset of the job).",
)
@click.option("--job", "job_name", default=DEFAULT_JOB, show_default=True, help="Named job.")
def backfill(start: datetime, end: datetime, assets: str, job_name: str) -> None:
    """One run of the daily job over the days START..END, recorded in DAGSTER_HOME.

    The run shows in the Dagster UI (`shop-analytics ui`) under its job and can be re-executed
    there. A line per step says how many days and rows it wrote and how long it took; a failed
    run exits 1 with one line naming the step and the error.
    """
    import dagster as dg

    from shop_analytics.cli.backfill_run import BackfillError, run_range
    from shop_analytics.local.dagster_home import instance_environment

    first, last = start.date().isoformat(), end.date().isoformat()
    if last < first:
        raise click.BadParameter(f"--end {last} is before --start {first}")
    keys = [key.strip() for key in assets.split(",") if key.strip()]

    def run(s: settings_module.Settings) -> None:
        # The instance `shop-analytics ui` opens: DAGSTER_HOME, and DAGSTER_STORAGE=postgres
        # keeps it on the stack's PostgreSQL as there.
        instance_environment(s)
        started = time.perf_counter()
        try:
            run_range(job_name, first, last, keys, echo=click.echo)
        except (BackfillError, dg.DagsterError) as error:
            # A failed run, or one Dagster refused to create (an unknown asset or job).
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            click.echo(f"backfill failed: {first_line}", err=True)
            sys.exit(1)
        click.echo(f"backfill {first}..{last} done in {time.perf_counter() - started:.1f} s")

    run_with_settings(run)
