"""Which purchases each span counts, and the names the batch's product snapshot gives (chDB in
this process, no other service)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from shop_analytics.live import live_figures
from shop_analytics.resources import ClickHouseResource
from shop_analytics.tables.registry import CLICKHOUSE_TABLES

NOW = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
KNOWN = "00000000-0000-4000-8000-000000000001"
OTHER = "00000000-0000-4000-8000-000000000002"
# (product, quantity, price, timestamp): where each one counts is in the comment.
ROWS = [
    (KNOWN, 2, 10.25, "2026-03-10 00:30:00.000"),  # today and last hour (the very instant)
    (KNOWN, 1, 5.5, "2026-03-10 00:00:00.000"),  # today and last hour (midnight)
    (OTHER, 3, 1.1, "2026-03-09 23:45:00.000"),  # last hour only (yesterday)
    (OTHER, 1, 100.0, "2026-03-09 23:29:59.999"),  # neither (over an hour ago)
    (KNOWN, 1, 1000.0, "2026-03-10 00:30:00.001"),  # neither (after now)
]


def test_spans_and_product_names(tmp_path: Path) -> None:
    clickhouse = ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}")
    with clickhouse.session() as client:
        assert live_figures(client, NOW).spans["today"].orders == 0, "no fact yet: zeros"
        client.command(CLICKHOUSE_TABLES["purchases"])
        for n, (product, quantity, price, stamp) in enumerate(ROWS):
            client.command(
                "INSERT INTO purchases (purchase_id, client_id, product_id, quantity, price, "
                "timestamp, _partition, _offset) VALUES (generateUUIDv4(), generateUUIDv4(), "
                f"'{product}', {quantity}, {price}, '{stamp}', 0, {n})"
            )
        unnamed = live_figures(client, NOW)
        client.command(CLICKHOUSE_TABLES["product_metrics"])
        client.command(
            "INSERT INTO product_metrics (as_of, product_id, name, category, list_price) VALUES "
            f"('2026-03-01', '{KNOWN}', 'Old name', 'toys', 1), "
            f"('2026-03-09', '{KNOWN}', 'Kite', 'outdoor', 1)"
        )
        named = live_figures(client, NOW)

    today, hour = named.spans["today"], named.spans["last_hour"]
    assert (today.orders, today.units, today.revenue) == (2, 3, Decimal("26.00"))
    assert (hour.orders, hour.units, hour.revenue) == (3, 6, Decimal("29.30"))
    assert today.avg_order_value == Decimal("13.00")
    assert [(p["name"], p["category"]) for p in hour.top_products] == [
        ("Kite", "outdoor"),
        (OTHER, "unknown"),
    ]
    assert [(c["category"], c["revenue"]) for c in hour.top_categories] == [
        ("outdoor", Decimal("26.00")),
        ("unknown", Decimal("3.30")),
    ]
    assert unnamed.spans["last_hour"].top_categories[0]["category"] == "unknown"
    assert named.as_json()["last_hour"]["revenue"] == 29.3
