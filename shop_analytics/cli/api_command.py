"""`shop-analytics api`: serve the write API on the local stack."""

from __future__ import annotations

import os

import click

from shop_analytics import settings as settings_module
from shop_analytics.cli.runner import run_with_settings
from shop_analytics.local import stack


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port",
    type=int,
    default=None,
    help="Port to serve on [default: API_PORT, else SHOP_ANALYTICS_PORT_BASE + 800].",
)
@click.option("--dev", is_flag=True, help="Flask's reloading dev server instead of granian.")
def api(host: str, port: int | None, dev: bool) -> None:
    """Serve the write API (granian, see api/serving.py) on the local stack.

    Writes need `Authorization: Bearer $API_TOKEN`, reads that token or $API_READ_TOKEN; without
    API_TOKEN a random token is made and printed. The document is at /api/openapi.json, the
    interactive page at /api/docs.
    """
    import secrets

    def run(s: settings_module.Settings) -> None:
        stack.up(s, echo=click.echo)
        serve_port = port or s.api_port
        if not os.environ.get("API_TOKEN"):
            os.environ["API_TOKEN"] = secrets.token_urlsafe(24)
            click.echo(f"API_TOKEN={os.environ['API_TOKEN']}")
        click.echo(
            f"API on http://{host}:{serve_port}/api (docs: http://{host}:{serve_port}/api/docs)"
        )
        if dev:
            from api.app import create_app

            create_app().run(host=host, port=serve_port, debug=True)
            return
        from api.serving import server_argv

        argv = server_argv(host, serve_port)
        os.execv(argv[0], argv)

    run_with_settings(run)
