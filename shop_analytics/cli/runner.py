"""How every command runs: with the settings, and a clear one-line error instead of a trace."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from shop_analytics import settings as settings_module
from shop_analytics.local.process import ServiceError


def run_with_settings(action: Callable[[settings_module.Settings], None]) -> None:
    """Fill in the embedded defaults, then run ``action``; a ServiceError exits 1 with its line."""
    settings = settings_module.export_defaults()
    try:
        action(settings)
    except ServiceError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
