"""Sellers and clients: PostgreSQL upserts that are idempotent by construction.

- create (POST): insert if the id is new; an existing row with the same values is returned as
  it is (a repeated request gets the first answer), with other values it is a conflict.
- replace (PUT): insert or overwrite; a row that already holds these values is not touched,
  so `updated_at` moves only when something changed.
- patch (PATCH): change the given columns of an existing row, with the same guard.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import sql

from api.errors import ApiError
from api.pg_connections import PgConnections
from shop_analytics.contracts.contract_model import ContractModel


@dataclass(frozen=True)
class PgEntity:
    table: str
    key: str
    stored: type[ContractModel]
    """The row as read back (the response body)."""
    writable: tuple[str, ...]
    """Columns a caller sets, the key excluded."""
    touch: str | None = None
    """Column set to now() whenever the row changes."""


class PgEntityStore:
    def __init__(self, pg: PgConnections, entity: PgEntity) -> None:
        self._pg = pg
        self.entity = entity
        self._table = sql.Identifier(entity.table)
        self._key = sql.Identifier(entity.key)

    def _row(self, row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        return self.stored_json(row)

    def stored_json(self, row: dict[str, Any]) -> dict[str, Any]:
        fields = self.entity.stored.model_fields
        return self.entity.stored.model_validate(
            {k: v for k, v in row.items() if k in fields}
        ).model_dump(mode="json")

    def get(self, key: UUID) -> dict[str, Any] | None:
        with self._pg.connection() as conn:
            row = conn.execute(
                sql.SQL("SELECT * FROM {} WHERE {} = %s").format(self._table, self._key), (key,)
            ).fetchone()
        return self._row(row)

    def list_page(self, limit: int, offset: int) -> list[dict[str, Any]]:
        with self._pg.connection() as conn:
            rows = conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY {} LIMIT %s OFFSET %s").format(
                    self._table, self._key
                ),
                (limit, offset),
            ).fetchall()
        return [self.stored_json(row) for row in rows]

    def create(self, key: UUID, values: dict[str, Any]) -> dict[str, Any]:
        columns = [self.entity.key, *self.entity.writable]
        params = [key, *(values.get(c) for c in self.entity.writable)]
        query = sql.SQL(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO NOTHING RETURNING *"
        ).format(
            self._table,
            sql.SQL(", ").join(map(sql.Identifier, columns)),
            sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            self._key,
        )
        with self._pg.connection() as conn:
            row = conn.execute(query, params).fetchone()
        if row is not None:
            return self.stored_json(row)
        existing = self.get(key)
        if existing is None:  # deleted between the two statements: nothing to compare with
            raise ApiError(409, f"{self.entity.key} {key} changed concurrently; retry")
        wanted = self.entity.stored.model_validate(
            {**existing, **values, self.entity.key: key}
        ).model_dump(mode="json")
        if wanted != existing:
            raise ApiError(
                409,
                f"{self.entity.key} {key} already exists with different values; "
                "use PUT or PATCH to change it",
            )
        return existing

    def replace(self, key: UUID, values: dict[str, Any]) -> dict[str, Any]:
        """Insert or overwrite every writable column; returns the row."""
        columns = [self.entity.key, *self.entity.writable]
        params = [key, *(values.get(c) for c in self.entity.writable)]
        updates = [
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in self.entity.writable
        ]
        if self.entity.touch:
            updates.append(sql.SQL("{} = now()").format(sql.Identifier(self.entity.touch)))
        query = sql.SQL(
            "INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT ({key}) DO UPDATE "
            "SET {updates} WHERE {old} IS DISTINCT FROM {new} RETURNING *"
        ).format(
            table=self._table,
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            values=sql.SQL(", ").join(sql.Placeholder() * len(columns)),
            key=self._key,
            updates=sql.SQL(", ").join(updates),
            old=_tuple(self.entity.table, self.entity.writable),
            new=_tuple("excluded", self.entity.writable),
        )
        with self._pg.connection() as conn:
            row = conn.execute(query, params).fetchone()
        if row is not None:
            return self.stored_json(row)
        unchanged = self.get(key)
        if unchanged is None:
            raise ApiError(409, f"{self.entity.key} {key} changed concurrently; retry")
        return unchanged

    def patch(self, key: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Change the given columns of row `key`; None when there is no such row."""
        if not changes:
            return self.get(key)
        names = list(changes)
        updates = [sql.SQL("{} = %s").format(sql.Identifier(c)) for c in names]
        if self.entity.touch:
            updates.append(sql.SQL("{} = now()").format(sql.Identifier(self.entity.touch)))
        query = sql.SQL(
            "UPDATE {table} SET {updates} WHERE {key} = %s AND ({changed}) RETURNING *"
        ).format(
            table=self._table,
            updates=sql.SQL(", ").join(updates),
            key=self._key,
            # Column by column, so each parameter takes its column's type.
            changed=sql.SQL(" OR ").join(
                sql.SQL("{} IS DISTINCT FROM %s").format(sql.Identifier(c)) for c in names
            ),
        )
        params = [*changes.values(), key, *changes.values()]
        with self._pg.connection() as conn:
            row = conn.execute(query, params).fetchone()
        return self._row(row) if row is not None else self.get(key)


def _tuple(table: str, columns: Any) -> sql.Composable:
    # ROW(...) keeps a one-column comparison a row comparison.
    return sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier(table, c) for c in columns))
