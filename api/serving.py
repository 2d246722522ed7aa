"""How the API is served in production: one command line for the CLI, the tests and the bench."""

from __future__ import annotations

import os
import sys

CONFIG = os.path.join(os.path.dirname(__file__), "gunicorn.conf.py")


def server_argv(host: str, port: int) -> list[str]:
    """The server's command line; `API_WORKERS` and the other variables of the config apply."""
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        CONFIG,
        "--bind",
        f"{host}:{port}",
        "api.app:create_app()",
    ]
