"""`shop-analytics seed`: demo sources into PostgreSQL and the lake, purchases into Kafka."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shop_analytics.seed.generate import DemoData, DemoSpec, generate_demo_data
from shop_analytics.seed.load import merge_products, upsert_rows
from shop_analytics.seed.stream import send_purchases
from shop_analytics.streaming.offset_ranges import OffsetRange

Echo = Callable[[str], None]


@dataclass(frozen=True)
class SeedResult:
    data: DemoData
    ranges: list[OffsetRange]
    """Per partition: exactly the offsets the seed produced to."""


def seed(
    resources: dict[str, Any],
    spec: DemoSpec,
    *,
    rate: float = 0.0,
    progress: bool = True,
    echo: Echo = print,
    data: DemoData | None = None,
) -> SeedResult:
    """Load ``data`` (default: generated from ``spec``) into the sources and Kafka."""
    data = data or generate_demo_data(spec)
    postgres, lake, kafka = resources["postgres"], resources["lake"], resources["kafka"]
    upsert_rows(postgres, "sellers", data.sellers, "seller_id")
    upsert_rows(postgres, "clients", data.clients, "client_id")
    version = merge_products(lake, data.products)
    echo(
        f"seeded {len(data.sellers)} sellers, {len(data.clients)} clients (PostgreSQL), "
        f"{len(data.products)} products (Delta version {version})"
    )
    kafka.ensure_reachable()
    topic = kafka.purchases_topic
    before = kafka.end_offsets(topic)
    sent = send_purchases(kafka, data.purchases, rate=rate, progress=progress)
    after = kafka.end_offsets(topic)
    ranges = [OffsetRange(topic, p, before.get(p, 0), end) for p, end in sorted(after.items())]
    echo(f"sent {sent} purchases over {spec.first_day}..{spec.last_day} to Kafka topic {topic}")
    return SeedResult(data, [r for r in ranges if r.messages > 0])
