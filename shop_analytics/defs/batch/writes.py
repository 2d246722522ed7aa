"""Where the batch's results go: PostgreSQL `client_metrics`, Delta `products`, ClickHouse.

Every write is idempotent: an upsert that never moves a client back to an older day, a MERGE
that only applies newer stock, and a replace of the day's ClickHouse snapshot.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from shop_analytics.resources import ClickHouseResource, LakeResource, PostgresResource
from shop_analytics.tables.clickhouse import drop_days
from shop_analytics.tables.lake import PRODUCTS_SCHEMA, PRODUCTS_TABLE

CLIENT_METRIC_COLUMNS: Final = (
    "client_id", "order_count", "units", "revenue", "first_purchase_at", "last_purchase_at",
    "recency_days", "lifetime_value", "rfm_score", "rfm_segment", "as_of",
)  # fmt: skip


def write_client_metrics_postgres(postgres: PostgresResource, metrics: pa.Table) -> None:
    """Upsert through COPY into a temporary table; an older ``as_of`` never replaces a newer."""
    scores = pc.binary_join_element_wise(
        *(metrics[c].cast(pa.string()) for c in ("r_score", "f_score", "m_score")), ""
    )
    rows = metrics.append_column("rfm_score", scores).select(list(CLIENT_METRIC_COLUMNS))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in CLIENT_METRIC_COLUMNS[1:])
    names = ", ".join(CLIENT_METRIC_COLUMNS)
    with postgres.connect() as conn:
        conn.execute("CREATE TEMP TABLE incoming (LIKE client_metrics) ON COMMIT DROP")
        with conn.cursor().copy(f"COPY incoming ({names}) FROM STDIN") as copy:
            for row in rows.to_pylist():
                copy.write_row(tuple(row.values()))
        conn.execute(
            f"INSERT INTO client_metrics ({names}) SELECT {names} FROM incoming "
            f"ON CONFLICT (client_id) DO UPDATE SET {updates} "
            "WHERE client_metrics.as_of <= EXCLUDED.as_of"
        )


def merge_product_stock(lake: LakeResource, metrics: pa.Table) -> dict[str, int]:
    """Write the stock left into ``products`` for products with newly counted sales.

    The MERGE only touches rows whose ``updated_at`` is older than the last sale counted, so a
    product changed meanwhile (a restock through the API) keeps its newer value.
    """
    counted = metrics.filter(pc.greater(metrics["units_since"], 0))
    if counted.num_rows == 0:
        return {"num_target_rows_updated": 0}
    updated_at = PRODUCTS_SCHEMA.field("updated_at").type
    source = pa.table(
        {
            "product_id": counted["product_id"],
            "available_stock": counted["available_stock"].cast(pa.int32()),
            "updated_at": counted["last_counted_sale"].cast(updated_at),
        }
    )
    result = (
        lake.table(PRODUCTS_TABLE)
        .merge(source, "t.product_id = s.product_id", source_alias="s", target_alias="t")
        .when_matched_update(
            updates={"available_stock": "s.available_stock", "updated_at": "s.updated_at"},
            predicate="t.updated_at < s.updated_at",
        )
        .execute()
    )
    return {"num_target_rows_updated": int(result.get("num_target_rows_updated", 0))}


def write_snapshot(clickhouse: ClickHouseResource, table: str, day: str, rows: pa.Table) -> None:
    """Replace the ``day`` snapshot of ``table`` with ``rows``."""
    with clickhouse.session() as client:
        drop_days(client, table, [day])
        if rows.num_rows:
            client.insert_arrow(table, rows)
