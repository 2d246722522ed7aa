"""`shop-analytics load KIND FILE`: bulk-load a JSON Lines file through the API's batch code."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings


@click.command()
@click.argument("kind", type=click.Choice(["clients", "sellers", "products", "purchases"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Records per batch (one statement, MERGE or claim per batch).")  # fmt: skip
def load(kind: str, file: Path, batch_size: int) -> None:
    """Load FILE (one JSON record per line, as for POST /api/KIND) into KIND.

    Every line is checked first: a bad line is reported by its number and nothing is loaded.
    Then batches go through the API's batch endpoint in this process (no server needed).
    Records already stored with the same values are accepted again, so a re-run is safe;
    an id stored with other values is a conflict, reported by line (exit status 1).
    """
    from shop_analytics.cli.bulk_loader import LoadFailed, LoadReport, load_file, loader_app
    from shop_analytics.local import stack

    interactive = sys.stderr.isatty()
    last_shown = [0.0]

    def progress(report: LoadReport, total: int) -> None:
        now = time.monotonic()
        if not interactive and now - last_shown[0] < 5 and report.records < total:
            return
        last_shown[0] = now
        line = (
            f"{kind}: {report.records}/{total} records, {report.accepted} accepted, "
            f"{len(report.conflicts)} conflicts, {report.per_second:,.0f}/s"
        )
        click.echo(f"\r{line}" if interactive else line, err=True, nl=not interactive)

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=lambda _line: None)
        app, token = loader_app(batch_size)
        try:
            report = load_file(kind, file, batch_size, app, token, progress)
        except LoadFailed as failure:
            if interactive:
                click.echo(err=True)
            click.echo(f"error: {failure}", err=True)
            sys.exit(1)
        finally:
            app.extensions["shop_analytics_api"].close()
        if interactive:
            click.echo(err=True)
        click.echo(
            f"loaded {report.records} {kind} from {file} ({report.accepted} accepted) "
            f"in {report.seconds:.1f} s"
        )

    run_with_settings(run)
