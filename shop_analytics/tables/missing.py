"""Recognising a store's "no such table" error, to point at `shop-analytics provision`.

Checked by the error's code or class name, not its class: the CLI must not import every store's
driver (and Dagster with the resources) just to recognise their errors.
"""

from __future__ import annotations

PROVISION_HINT = "the table is missing: run `shop-analytics provision` (or `shop-analytics up`)"


class TableMissing(RuntimeError):
    """Raised by a component that checks for its table before it starts to work."""

    def __init__(self, store: str, table: str) -> None:
        super().__init__(f"{store} table {table}: {PROVISION_HINT}")


def missing_table_line(error: BaseException) -> str | None:
    """One line naming the fix when ``error`` says a table does not exist, else None."""
    text = str(error).strip()
    if isinstance(error, TableMissing):
        return text
    missing = (
        getattr(error, "sqlstate", None) == "42P01"  # PostgreSQL undefined_table
        or "UNKNOWN_TABLE" in text  # ClickHouse error 60, from a server or chDB
        or type(error).__name__ == "TableNotFoundError"  # deltalake
    )
    if not missing:
        return None
    first = text.splitlines()[0] if text else type(error).__name__
    return f"{first[:200]}: {PROVISION_HINT}"
