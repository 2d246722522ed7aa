"""Replace a range of day partitions of a ClickHouse table in one step.

The range's rows are inserted into an empty table of the same structure (``<table>__incoming``),
then one ALTER swaps every day of the range: days with rows get the new partition (REPLACE
PARTITION, atomic per partition, so a reader never sees a day half written or missing), days
without rows are dropped. A day is thus replaced, never appended to, however often it runs.
"""

from __future__ import annotations

from collections.abc import Sequence

from clickhouse_connect.driver.client import Client


def incoming_table(table: str) -> str:
    return f"{table}__incoming"


def replace_days(client: Client, table: str, days: Sequence[str], insert: str) -> None:
    """Run ``insert`` (into ``incoming_table(table)``, parameters ``first``/``last``) and make
    its rows the whole content of ``days`` in ``table``."""
    incoming = incoming_table(table)
    client.command(f"DROP TABLE IF EXISTS {incoming}")
    client.command(f"CREATE TABLE {incoming} AS {table}")
    try:
        client.command(insert, parameters={"first": days[0], "last": days[-1]})
        filled = {
            row[0]
            for row in client.query(f"SELECT DISTINCT toString(day) FROM {incoming}").result_rows
        }
        # One ALTER for the range: a command per day is one statement instead of hundreds.
        commands = [
            f"REPLACE PARTITION '{day}' FROM {incoming}"
            if day in filled
            else f"DROP PARTITION '{day}'"
            for day in days
        ]
        client.command(f"ALTER TABLE {table} " + ", ".join(commands))
    finally:
        client.command(f"DROP TABLE IF EXISTS {incoming}")
