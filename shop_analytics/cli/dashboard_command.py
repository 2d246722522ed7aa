"""`shop-analytics dashboard`: serve the read-only dashboard."""

from __future__ import annotations

import os
import secrets

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
        from api.auth import Credentials
        from shop_analytics.dashboard.app import create_app
        from shop_analytics.dashboard.reader import DashboardReader
        from shop_analytics.dashboard.server import DashboardServer
        from shop_analytics.resources.clickhouse import ClickHouseResource

        if not (os.environ.get("API_READ_TOKEN") or os.environ.get("API_TOKEN")):
            os.environ["API_READ_TOKEN"] = secrets.token_urlsafe(24)
            click.echo(f"API_READ_TOKEN={os.environ['API_READ_TOKEN']}")
        credentials = Credentials(os.environ.get("API_TOKEN"), os.environ.get("API_READ_TOKEN"))
        reader = DashboardReader(ClickHouseResource(dsn=s.clickhouse_dsn))
        serve_port = port or s.dashboard_port
        click.echo(f"dashboard on http://{host}:{serve_port}/")
        DashboardServer(create_app(reader, credentials), f"{host}:{serve_port}").run()

    run_with_settings(run)
