"""ClickHouse DDL of the `purchases` fact table that the Kafka ingestor fills.

Columns are the purchase message's fields (latest version, in order) plus three ingestion
columns. Design choices:

* `ReplacingMergeTree(_ingested_at)` ordered by `purchase_id`: a purchase written twice (a
  replayed Kafka batch, a resent API call) collapses to its latest ingested row; exact queries
  use `FINAL` or `argMax`. No `PARTITION BY`: rows are only collapsed within a partition, and a
  corrected `timestamp` would move a purchase to another month and leave it counted twice.
* `SETTINGS non_replicated_deduplication_window`: lets `insert_deduplication_token` (one token per
  Kafka partition and offset range) drop a retried insert on this non-replicated table.
* `price Float64`: the spec's price is a JSON number and an Avro double; storing the same double
  keeps every value exactly as validated, with no rounding rule the spec does not give (a
  `Decimal(18, 2)` column would silently round 0.125 and needs a float-to-decimal conversion in
  every writer). Marts round money when they present it.
* `quantity Int32`: the contract bounds it to 1..2^31-1, the same integer as Avro `int` and Spark
  `IntegerType`.
* `timestamp DateTime64(3, 'UTC')`: millisecond instants, the precision of the product Avro's
  `timestamp-millis`; UTC, since ClickHouse stores instants and the zone is only for display.
"""

from __future__ import annotations

from typing import Final

from shop_analytics.contracts.field_specs import FieldSpec, field_specs
from shop_analytics.contracts.purchase_messages import LATEST_PURCHASE_VERSION, purchase_model

CLICKHOUSE_PURCHASES_TABLE: Final = "purchases"

# Where each row came from and when it arrived: the Kafka partition and offset make a replay
# recognisable; `_ingested_at` is the version that decides which duplicate survives.
INGEST_COLUMNS: Final[tuple[tuple[str, str], ...]] = (
    ("_partition", "Int32"),
    ("_offset", "Int64"),
    ("_ingested_at", "DateTime64(3, 'UTC') DEFAULT now64(3)"),
)

_CLICKHOUSE_TYPES = {
    "uuid": "UUID",
    "integer": "Int32",
    "number": "Float64",
    "timestamp": "DateTime64(3, 'UTC')",
    "string": "String",
}


def clickhouse_purchase_columns() -> list[str]:
    """Column names of the `purchases` table in DDL order (the order to insert rows in)."""
    return [spec.name for spec in _purchase_fields()] + [name for name, _ in INGEST_COLUMNS]


def clickhouse_purchases_ddl(*, if_not_exists: bool = False) -> str:
    """`CREATE TABLE purchases ...` for ClickHouse (and chDB), ending in `;`."""
    columns = [f"{spec.name} {_column_type(spec)}" for spec in _purchase_fields()]
    columns += [f"{name} {definition}" for name, definition in INGEST_COLUMNS]
    body = ",\n".join(f"    {column}" for column in columns)
    guard = "IF NOT EXISTS " if if_not_exists else ""
    return (
        f"CREATE TABLE {guard}{CLICKHOUSE_PURCHASES_TABLE}\n(\n{body}\n)\n"
        "ENGINE = ReplacingMergeTree(_ingested_at)\n"
        "ORDER BY purchase_id\n"
        "SETTINGS non_replicated_deduplication_window = 1000;\n"
    )


def _purchase_fields() -> list[FieldSpec]:
    return field_specs(purchase_model(LATEST_PURCHASE_VERSION))


def _column_type(spec: FieldSpec) -> str:
    column_type = _CLICKHOUSE_TYPES[spec.kind]
    return f"Nullable({column_type})" if spec.nullable else column_type
