"""How every command runs: with the settings, and a clear one-line error instead of a trace."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from shop_analytics import settings as settings_module
from shop_analytics.local.process import ServiceError
from shop_analytics.tables.missing import missing_table_line

CHDB_LOCK_MODULE = "shop_analytics.resources.chdb_lock"


def run_with_settings(action: Callable[[settings_module.Settings], None]) -> None:
    """Fill in the embedded defaults, then run ``action``; a ServiceError, a wait for the
    embedded ClickHouse that timed out, or a table not provisioned exits 1 with one line."""
    settings = settings_module.export_defaults()
    try:
        action(settings)
    except Exception as error:
        line = str(error) if _is_expected(error) else missing_table_line(error)
        if line is None:
            raise
        click.echo(f"error: {line}", err=True)
        sys.exit(1)


def _is_expected(error: Exception) -> bool:
    """A failure the user can act on from its message alone, so no traceback."""
    if isinstance(error, ServiceError):
        return True
    # Importing the resources here would load Dagster for every command; a lock timeout can
    # only have been raised if its module is loaded already.
    chdb_lock = sys.modules.get(CHDB_LOCK_MODULE)
    return chdb_lock is not None and isinstance(error, chdb_lock.ChdbLockTimeout)
