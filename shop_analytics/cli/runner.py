"""How every command runs: with the settings, and a clear one-line error instead of a trace."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from shop_analytics import settings as settings_module
from shop_analytics.local.process import ServiceError

CHDB_LOCK_MODULE = "shop_analytics.resources.chdb_lock"


def run_with_settings(action: Callable[[settings_module.Settings], None]) -> None:
    """Fill in the embedded defaults, then run ``action``; a ServiceError, or a wait for the
    embedded ClickHouse that timed out, exits 1 with its line."""
    settings = settings_module.export_defaults()
    try:
        action(settings)
    except Exception as error:
        if not _is_expected(error):
            raise
        click.echo(f"error: {error}", err=True)
        sys.exit(1)


def _is_expected(error: Exception) -> bool:
    """A failure the user can act on from its message alone, so no traceback."""
    if isinstance(error, ServiceError):
        return True
    # Importing the resources here would load Dagster for every command; a lock timeout can
    # only have been raised if its module is loaded already.
    chdb_lock = sys.modules.get(CHDB_LOCK_MODULE)
    return chdb_lock is not None and isinstance(error, chdb_lock.ChdbLockTimeout)
