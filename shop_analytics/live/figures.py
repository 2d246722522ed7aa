"""Today's and the last hour's figures, read from the ClickHouse fact `purchases` as it is now.

Plain queries on the fact with ``FINAL`` (statements in `sql/`), no materialised view: a view
fed by inserts would add a replayed batch a second time (the replay's rows are new inserts; only
the fact's ReplacingMergeTree collapses them), while ``FINAL`` counts each purchase_id once
however often it arrived, and sees a purchase as soon as its insert returns. Money is summed as
decimals, as in the marts, so the figures do not depend on the order rows are read in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final

from clickhouse_connect.driver.client import Client

SPANS: Final = ("today", "last_hour")
TOP: Final = 10
# Names and categories come from the batch's product snapshot; before the first batch run
# every product is shown by its id, under "unknown".
NO_PRODUCT_NAMES: Final = (
    "SELECT toUUID('00000000-0000-0000-0000-000000000000') AS product_id, '' AS name, "
    "'' AS category WHERE 0"
)


@dataclass
class SpanFigures:
    orders: int = 0
    units: int = 0
    revenue: Decimal = Decimal(0)
    avg_order_value: Decimal = Decimal(0)
    top_products: list[dict[str, Any]] = field(default_factory=list)
    top_categories: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class LiveFigures:
    now: datetime
    spans: dict[str, SpanFigures]

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: money rounded to the cent as numbers."""
        return {
            "now": self.now.isoformat(),
            **{
                name: {
                    "orders": s.orders,
                    "units": s.units,
                    "revenue": _money(s.revenue),
                    "avg_order_value": _money(s.avg_order_value),
                    "top_products": [_money_row(row) for row in s.top_products],
                    "top_categories": [_money_row(row) for row in s.top_categories],
                }
                for name, s in self.spans.items()
            },
        }


@cache
def _sql(name: str) -> str:
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text("utf-8")


def existing_tables(client: Client) -> set[str]:
    """The tables of the current database: what a read-only view may query without failing."""
    rows = client.query("SELECT name FROM system.tables WHERE database = currentDatabase()")
    return {row[0] for row in rows.result_rows}


def live_query(with_product_names: bool) -> str:
    """The statement of every live figure (parameters ``now``, ``top``)."""
    names = _sql("product_names") if with_product_names else NO_PRODUCT_NAMES
    purchases = _sql("live_purchases").replace("{product_names}", names)
    return f"WITH {purchases} {_sql('live_figures')} SETTINGS join_use_nulls = 1"


def live_figures(client: Client, now: datetime) -> LiveFigures:
    """The figures of each span as of ``now`` (an aware datetime); an empty span is zeros."""
    figures = LiveFigures(now, {name: SpanFigures() for name in SPANS})
    tables = existing_tables(client)
    if "purchases" not in tables:
        return figures
    parameters = {"now": now.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3], "top": TOP}
    query = live_query(with_product_names="product_metrics" in tables)
    for row in client.query(query, parameters=parameters).named_results():
        span = figures.spans[row["span"]]
        if row["kind"] == "total":
            span.orders, span.units, span.revenue = row["orders"], row["units"], row["revenue"]
            span.avg_order_value = span.revenue / span.orders
        elif row["kind"] == "product":
            span.top_products.append(
                _figure(
                    row, "product_id", name=row["product_name"], category=row["product_category"]
                )
            )
        else:
            span.top_categories.append(_figure(row, "category"))
    return figures


def _figure(row: dict[str, Any], key: str, **labels: str) -> dict[str, Any]:
    """A top-N row: its key under the name ``key``, labels, orders, units and revenue."""
    figures = {name: row[name] for name in ("orders", "units", "revenue")}
    return {key: row["key"], **labels, **figures}


def _money(value: Decimal) -> float:
    return float(round(Decimal(value), 2))


def _money_row(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "revenue": _money(row["revenue"])}
