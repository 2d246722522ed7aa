"""`shop-analytics dashboard`: serve the read-only dashboard."""

from __future__ import annotations

import os
import secrets
import sys

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port to serve on [default: DASHBOARD_PORT, else SHOP_ANALYTICS_PORT_BASE + 850].",
)
def dashboard(host: str, port: int | None) -> None:
    """Serve the dashboard: live figures of today and the last hour, and the marts' history.

    It opens for API_READ_TOKEN (or API_TOKEN), typed into its sign-in page or sent as
    `Authorization: Bearer`; without either a random read token is made and printed. It reads
    ClickHouse only (the stack is not started): embedded chDB one request at a time, in turn
    with the stream and Dagster runs.
    """

    def run(s: settings_module.Settings) -> None:
        from shop_analytics.dashboard.server import server_argv

        if not (os.environ.get("API_READ_TOKEN") or os.environ.get("API_TOKEN")):
            os.environ["API_READ_TOKEN"] = secrets.token_urlsafe(24)
            click.echo(f"API_READ_TOKEN={os.environ['API_READ_TOKEN']}")
        serve_port = port or s.dashboard_port
        click.echo(f"dashboard on http://{host}:{serve_port}/")
        sys.stdout.flush()
        argv = server_argv(host, serve_port)
        os.execv(argv[0], argv)

    run_with_settings(run)
