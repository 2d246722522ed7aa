"""Sellers and clients: PostgreSQL upserts that are idempotent by construction.

- create (POST): insert if the id is new; an existing row with the same values is returned as
  it is (a repeated request gets the first answer), with other values it is a conflict.
- replace (PUT): insert or overwrite; a row that already holds these values is not touched,
  so `updated_at` moves only when something changed.
- patch (PATCH): change the given columns of an existing row, with the same guard.
- create_many (POST .../:batch): create for many rows in one statement (one commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson
from psycopg import sql

from api.entity_batches import ACCEPTED, ItemOutcome, conflict, settle_repeats
from api.errors import ApiError
from api.pg_connections import PgConnections
from shop_analytics.contracts.contract_model import ContractModel
from shop_analytics.contracts.field_specs import field_specs

# The type each column kind is read as from the batch's JSON rows.
_SQL_TYPES = {
    "uuid": "uuid",
    "string": "text",
    "timestamp": "timestamptz",
    "integer": "integer",
    "number": "double precision",
}


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

    def create_many(self, rows: Sequence[tuple[UUID, dict[str, Any]]]) -> list[ItemOutcome]:
        """`create` for each `(key, values)` in one statement; an outcome per row, in order.

        New keys are inserted; a stored key with the same values is accepted as it is, with
        other values it is a conflict. The first occurrence of a key repeated within `rows`
        decides; a repeat with other values is a conflict.
        """
        keys = [key for key, _ in rows]
        unique = {key: values for key, values in reversed(rows)}  # the first occurrence wins
        settled = self._insert_new(unique)
        late = {key: values for key, values in unique.items() if key not in settled}
        if late:  # inserted by another writer after this statement's snapshot: look again
            settled.update(self._insert_new(late))
        for key in late:
            settled.setdefault(
                key, ItemOutcome("conflict", f"{self.entity.key} {key} changed concurrently; retry")
            )
        if len(unique) == len(rows):
            return [settled[key] for key in keys]
        return settle_repeats(keys, [values for _, values in rows], settled, self.entity.key)

    def _insert_new(self, rows: dict[UUID, dict[str, Any]]) -> dict[UUID, ItemOutcome]:
        # One statement: the CTE inserts the new keys (DO NOTHING for the others) and the outer
        # SELECT reads the stored rows as they were before it, so each key is either inserted
        # or compared with what was there. A key that is neither was inserted concurrently.
        columns = [self.entity.key, *self.entity.writable]
        kinds = {spec.name: spec.kind for spec in field_specs(self.entity.stored)}
        names = sql.SQL(", ").join(map(sql.Identifier, columns))
        query = sql.SQL(
            "WITH input AS (SELECT * FROM json_to_recordset(%s::json) AS t({typed})), "
            "inserted AS (INSERT INTO {table} ({names}) SELECT {names} FROM input "
            "ON CONFLICT ({key}) DO NOTHING RETURNING {key}) "
            "SELECT input.{key} AS key, inserted.{key} IS NOT NULL AS inserted, "
            "stored.{key} IS NOT NULL AS existed, {stored} IS NOT DISTINCT FROM {given} AS same "
            "FROM input LEFT JOIN inserted ON inserted.{key} = input.{key} "
            "LEFT JOIN {table} AS stored ON stored.{key} = input.{key}"
        ).format(
            typed=sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(_SQL_TYPES[kinds[c]]))
                for c in columns
            ),
            names=names,
            table=self._table,
            key=self._key,
            stored=_tuple("stored", self.entity.writable),
            given=_tuple("input", self.entity.writable),
        )
        # The rows travel as one JSON document that PostgreSQL parses in C: psycopg writes arrays
        # of UUIDs and datetimes value by value in Python, several times slower.
        document = orjson.dumps(
            [{self.entity.key: key, **_pick(values, columns[1:])} for key, values in rows.items()]
        ).decode()
        with self._pg.connection() as conn:
            found = conn.execute(query, [document]).fetchall()
        outcomes: dict[UUID, ItemOutcome] = {}
        for row in found:
            if row["inserted"] or (row["existed"] and row["same"]):
                outcomes[row["key"]] = ACCEPTED
            elif row["existed"]:
                outcomes[row["key"]] = conflict(self.entity.key, row["key"])
        return outcomes

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


def _pick(values: dict[str, Any], columns: Sequence[str]) -> dict[str, Any]:
    return {column: values.get(column) for column in columns}


def _tuple(table: str, columns: Any) -> sql.Composable:
    # ROW(...) keeps a one-column comparison a row comparison.
    return sql.SQL("ROW({})").format(sql.SQL(", ").join(sql.Identifier(table, c) for c in columns))
