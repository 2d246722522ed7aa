"""PostgreSQL DDL of the tables the contract owns: `clients` (spec section 3) and `sellers`.

Columns, their order, types, lengths and nullability come from the models; only table-level
facts (name, primary key, column defaults) are written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import BaseModel

from shop_analytics.contracts.client import Client
from shop_analytics.contracts.field_specs import FieldSpec, field_specs
from shop_analytics.contracts.seller import Seller


@dataclass(frozen=True)
class PostgresTable:
    """A table whose columns are the fields of `model`."""

    name: str
    model: type[BaseModel]
    primary_key: str
    defaults: Mapping[str, str] = field(default_factory=dict)
    """SQL default expression per column."""


POSTGRES_TABLES: dict[str, PostgresTable] = {
    "clients": PostgresTable("clients", Client, primary_key="client_id"),
    # The database stamps both times, so an API insert or upsert need not send them.
    "sellers": PostgresTable(
        "sellers",
        Seller,
        primary_key="seller_id",
        defaults={"created_at": "now()", "updated_at": "now()"},
    ),
}


def postgres_ddl(table: str, *, if_not_exists: bool = False) -> str:
    """`CREATE TABLE` for `table` ("clients" or "sellers"), one column per line, ending in `;`."""
    spec = POSTGRES_TABLES[table]
    columns = ",\n".join(f"    {_column(spec, field)}" for field in field_specs(spec.model))
    guard = "IF NOT EXISTS " if if_not_exists else ""
    return f"CREATE TABLE {guard}{spec.name} (\n{columns}\n);\n"


def _column(table: PostgresTable, spec: FieldSpec) -> str:
    parts = [spec.name, _sql_type(spec)]
    if spec.name == table.primary_key:
        parts.append("PRIMARY KEY")
    elif not spec.nullable:
        parts.append("NOT NULL")
    if spec.name in table.defaults:
        parts.append(f"DEFAULT {table.defaults[spec.name]}")
    return " ".join(parts)


def _sql_type(spec: FieldSpec) -> str:
    if spec.kind == "string":
        return f"VARCHAR({spec.max_length})" if spec.max_length else "TEXT"
    return {
        "uuid": "UUID",
        "timestamp": "TIMESTAMPTZ",
        "integer": "INTEGER",
        "number": "DOUBLE PRECISION",
    }[spec.kind]
