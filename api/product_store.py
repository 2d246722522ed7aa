"""Products in the Delta `products` table: reads, and MERGEs with `updated_at` set here.

Writes serialise within a process (one lock) and use optimistic checks across processes:
a create inserts only when no row matches, a patch updates only the row version it read
(`updated_at` unchanged), and a lost race is retried on a fresh read. Writes that change
nothing (a repeated PUT, an empty PATCH, a repeated POST) commit nothing, so each request that
changes a product makes exactly one new table version; a batch of new products is one MERGE.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pyarrow as pa
import pyarrow.compute as pc
from deltalake.exceptions import (
    CommitFailedError,
    DeltaError,
    SchemaMismatchError,
    TableNotFoundError,
)

from api.entity_batches import ACCEPTED, ItemOutcome, conflict, settle_repeats
from api.errors import ApiError, BackendUnavailable
from shop_analytics.clients import LakeClient
from shop_analytics.contracts import ProductV2
from shop_analytics.contracts.arrow_schemas import product_arrow_schema

T = TypeVar("T")
SCHEMA = product_arrow_schema("v2")
COLUMNS = SCHEMA.names
_ATTEMPTS = 5
_KEY_MATCH = "t.product_id = s.product_id"


class ProductStore:
    def __init__(self, lake: LakeClient, table: str) -> None:
        self._lake = lake
        self._table = table
        self._write_lock = threading.Lock()

    # -- reads ---------------------------------------------------------------------------------
    def get(self, product_id: UUID) -> dict[str, Any] | None:
        with _lake_errors():
            rows = self._read(pc.field("product_id") == str(product_id))
        return _as_json(rows[0]) if rows else None

    def list_page(self, limit: int, offset: int) -> list[dict[str, Any]]:
        with _lake_errors():
            rows = self._read(None)
        rows.sort(key=lambda row: row["product_id"])
        return [_as_json(row) for row in rows[offset : offset + limit]]

    def version(self) -> int | None:
        """The table's current version, None before the first product."""
        with _lake_errors():
            try:
                return self._lake.version(self._table)
            except TableNotFoundError:
                return None

    def _read(self, condition: pc.Expression | None) -> list[dict[str, Any]]:
        try:
            table = self._lake.table(self._table)
        except TableNotFoundError:
            return []
        # Filtered after the scan: delta-rs may record a file's statistics as string_view,
        # against which a pushed-down string filter fails ("no kernel matching").
        data = table.to_pyarrow_dataset().to_table()
        return (data if condition is None else data.filter(condition)).to_pylist()

    def _read_ids(self, ids: list[str]) -> list[dict[str, Any]]:
        # Filtered after the scan, as in `_read`; the MERGE reads the whole table anyway.
        try:
            data = self._lake.table(self._table).to_pyarrow_dataset().to_table()
        except TableNotFoundError:
            return []
        keys = data["product_id"]
        found = data.filter(pc.is_in(keys, value_set=pa.array(ids, type=keys.type)))
        return found.to_pylist()

    # -- writes --------------------------------------------------------------------------------
    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Insert a new product; the same values again return the stored row; others: 409."""

        def attempt() -> dict[str, Any] | None:
            row = self._new_row(fields, previous=None)
            if not self._lake.exists(self._table):
                # LakeClient.merge creates the table with the contract's schema.
                self._lake.merge(self._table, _arrow([row]), _KEY_MATCH)
                return _as_json(row)
            metrics = (
                self._lake.table(self._table)
                .merge(_arrow([row]), _KEY_MATCH, source_alias="s", target_alias="t")
                .when_not_matched_insert_all()
                .execute()
            )
            if metrics.get("num_target_rows_inserted") == 1:
                return _as_json(row)
            existing = self.get(fields["product_id"])
            if existing is None:
                return None  # deleted meanwhile: try again
            if _same_values(existing, fields):
                return existing
            raise ApiError(
                409,
                f"product_id {fields['product_id']} already exists with different values; "
                "use PUT or PATCH to change it",
            )

        return self._write(attempt)

    def create_many(self, items: Sequence[dict[str, Any]]) -> list[ItemOutcome]:
        """`create` for many products with one MERGE (one table version); an outcome each.

        Stored ids are compared (same values: accepted, others: conflict) and the new ones
        inserted by an insert-only MERGE. If another writer inserted one of them meanwhile, the
        MERGE inserts fewer rows than sent: read again and sort those out on the next attempt.
        """
        keys = [str(item["product_id"]) for item in items]
        unique = {key: item for key, item in reversed(list(zip(keys, items, strict=True)))}

        def attempt() -> dict[object, ItemOutcome] | None:
            stored = {row["product_id"]: _as_json(row) for row in self._read_ids(list(unique))}
            outcomes: dict[object, ItemOutcome] = {}
            new_rows = []
            for key, fields in unique.items():
                existing = stored.get(key)
                if existing is None:
                    new_rows.append(self._new_row(fields, previous=None))
                    outcomes[key] = ACCEPTED
                else:
                    same = _same_values(existing, fields)
                    outcomes[key] = ACCEPTED if same else conflict("product_id", key)
            if not new_rows:
                return outcomes
            if not self._lake.exists(self._table):
                self._lake.merge(self._table, _arrow(new_rows), _KEY_MATCH)
                return outcomes
            metrics = (
                self._lake.table(self._table)
                .merge(_arrow(new_rows), _KEY_MATCH, source_alias="s", target_alias="t")
                .when_not_matched_insert_all()
                .execute()
            )
            return outcomes if metrics.get("num_target_rows_inserted") == len(new_rows) else None

        settled = self._write(attempt) if unique else {}
        if len(unique) == len(items):
            return [settled[key] for key in keys]
        return settle_repeats(keys, list(items), settled, "product_id")

    def replace(self, product_id: UUID, fields: dict[str, Any]) -> dict[str, Any]:
        """Insert or overwrite a product (PUT); unchanged values commit nothing."""
        values = {**fields, "product_id": product_id}

        def attempt() -> dict[str, Any] | None:
            existing = self.get(product_id)
            if existing is not None and _same_values(existing, values):
                return existing
            row = self._new_row(values, previous=existing)
            self._lake.merge(self._table, _arrow([row]), _KEY_MATCH)
            return _as_json(row)

        return self._write(attempt)

    def patch(self, product_id: UUID, changes: dict[str, Any]) -> dict[str, Any] | None:
        """Change some fields of an existing product; None when there is no such product."""

        def attempt() -> dict[str, Any] | None:
            existing = self.get(product_id)
            if existing is None:
                raise _NotFound
            values = {**existing, **changes}
            if _same_values(existing, values):
                return existing
            row = self._new_row(values, previous=existing)
            source = _arrow([row]).append_column(
                "expected_updated_at",
                pa.array(
                    [_parse_time(existing["updated_at"])], type=SCHEMA.field("updated_at").type
                ),
            )
            metrics = (
                self._lake.table(self._table)
                .merge(source, _KEY_MATCH, source_alias="s", target_alias="t")
                # Only the version read above: a concurrent writer's change is never overwritten.
                .when_matched_update(
                    {column: f"s.{column}" for column in COLUMNS},
                    predicate="t.updated_at = s.expected_updated_at",
                )
                .execute()
            )
            return _as_json(row) if metrics.get("num_target_rows_updated") == 1 else None

        try:
            return self._write(attempt)
        except _NotFound:
            return None

    def _write(self, attempt: Callable[[], T | None]) -> T:
        with self._write_lock, _lake_errors():
            for _ in range(_ATTEMPTS):
                try:
                    result = attempt()
                except CommitFailedError:
                    continue  # another process committed first: read again and retry
                if result is not None:
                    return result
        raise ApiError(409, "the product is being changed concurrently; retry")

    @staticmethod
    def _new_row(values: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # the contract's precision
        if previous is not None:
            # Strictly later than the version replaced, even within one millisecond, so that
            # updated_at orders the versions of a product.
            now = max(now, _parse_time(previous["updated_at"]) + timedelta(milliseconds=1))
        product = ProductV2.model_validate({**values, "updated_at": now})
        row = product.model_dump()
        row["product_id"] = str(product.product_id)
        row["seller_id"] = str(product.seller_id) if product.seller_id else None
        return row


class _NotFound(Exception):
    pass


@contextmanager
def _lake_errors() -> Iterator[None]:
    """S3 being away (or refusing the keys) becomes a 503; a schema mismatch stays a bug."""
    try:
        yield
    except (SchemaMismatchError, ApiError, _NotFound):
        raise
    except (DeltaError, OSError) as error:
        raise BackendUnavailable("S3 (the Delta lake)", str(error)) from error


def _arrow(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=SCHEMA)


def _parse_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _as_json(row: dict[str, Any]) -> dict[str, Any]:
    return ProductV2.model_validate(row).model_dump(mode="json")


def _same_values(existing: dict[str, Any], values: dict[str, Any]) -> bool:
    """Whether `values` (a write body) would leave the stored product as it is."""
    wanted = ProductV2.model_validate({**existing, **values}).model_dump(mode="json")
    return wanted == existing
