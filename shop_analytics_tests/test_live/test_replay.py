"""Live figures stay exact when the ingestor reads the same Kafka offsets again (real Kafka, chDB
and S3): a restarted stream re-reads from its last commit with other batch boundaries, so the
fact holds the purchases twice, and the figures must not change."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from shop_analytics.live import live_figures
from shop_analytics.settings import Settings
from shop_analytics.streaming import OffsetRange, ingest_range
from shop_analytics_tests.test_streaming import helpers as h

NOW = datetime.now(UTC).replace(microsecond=0)


def _purchases(count: int) -> list[dict[str, Any]]:
    """Purchases of the last 30 hours up to NOW, so that some fall in each span and some in none."""
    rng = random.Random(12)
    messages = []
    for _ in range(count):
        stamp = NOW - timedelta(seconds=rng.randrange(30 * 3600))
        messages.append(
            h.purchase(rng, product_id=f"00000000-0000-4000-8000-{rng.randrange(40):012d}")
            | {"timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ")}
        )
    return messages


def _expected(messages: list[dict[str, Any]], since: datetime) -> tuple[int, int, Decimal, str]:
    inside = [m for m in messages if since <= datetime.fromisoformat(m["timestamp"]) <= NOW]
    revenue = sum((Decimal(str(m["price"])) * m["quantity"] for m in inside), Decimal(0))
    by_product: dict[str, Decimal] = {}
    for m in inside:
        amount = Decimal(str(m["price"])) * m["quantity"]
        by_product[m["product_id"]] = by_product.get(m["product_id"], Decimal(0)) + amount
    top = min(by_product, key=lambda product: (-by_product[product], product))
    return len(inside), sum(m["quantity"] for m in inside), revenue, top


def test_a_replay_of_the_same_offsets_leaves_the_live_figures_unchanged(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path, partitions=1)
    messages = _purchases(3000)
    h.produce(place.bootstrap, place.topic, messages)
    end = h.end_offsets(place.bootstrap, place.topic, 1)[0]
    r = place.resources()

    ingest_range(r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, 0, end))
    with r["clickhouse"].session() as client:
        first = live_figures(client, NOW)
    # The replay after a kill -9: the same offsets in other batches, so other deduplication
    # tokens, and every row is inserted again.
    middle = end // 3
    ingest_range(r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, 0, middle))
    ingest_range(r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, 0, middle, end))
    with r["clickhouse"].session() as client:
        rows, unique = client.query(
            "SELECT count(), uniqExact(purchase_id) FROM purchases"
        ).result_rows[0]
        again = live_figures(client, NOW)

    assert (rows, unique) == (2 * len(messages), len(messages)), "the replay wrote rows again"
    assert again.as_json() == first.as_json()
    spans = {
        "today": NOW.replace(hour=0, minute=0, second=0),
        "last_hour": NOW - timedelta(hours=1),
    }
    for name, since in spans.items():
        orders, units, revenue, top_product = _expected(messages, since)
        span = again.spans[name]
        assert (span.orders, span.units, span.revenue) == (orders, units, revenue), name
        assert span.avg_order_value == revenue / orders
        assert span.top_products[0]["product_id"] == top_product
        assert span.top_categories == [
            {"category": "unknown", "orders": orders, "units": units, "revenue": revenue}
        ]
