"""Send demo purchases to Kafka as schema-v2 JSON messages, at a given rate, with a progress bar."""

from __future__ import annotations

import time
from typing import Any

import orjson
import pandas as pd
from tqdm import tqdm

from shop_analytics.contracts import SCHEMA_VERSION_HEADER
from shop_analytics.resources import KafkaResource


def purchase_messages(purchases: pd.DataFrame) -> list[tuple[bytes, bytes]]:
    """(key, JSON value) per purchase, in the spec's field order; no seller -> no field."""
    stamps = purchases["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").str.slice(0, -4) + "Z"
    messages = []
    for row, stamp in zip(purchases.itertuples(index=False), stamps, strict=True):
        body: dict[str, Any] = {
            "purchase_id": row.purchase_id,
            "client_id": row.client_id,
            "product_id": row.product_id,
            "quantity": int(row.quantity),
            "price": float(row.price),
            "timestamp": stamp,
        }
        if row.seller_id is not None:
            body["seller_id"] = row.seller_id
        messages.append((row.purchase_id.encode(), orjson.dumps(body)))
    return messages


def send_purchases(
    kafka: KafkaResource,
    purchases: pd.DataFrame,
    *,
    rate: float = 0.0,
    topic: str | None = None,
    progress: bool = True,
) -> int:
    """Produce every purchase (keyed by purchase_id) and wait for all acknowledgements.

    ``rate`` is messages per second (0: as fast as the broker takes them). Raises if any
    message was not delivered.
    """
    topic = topic or kafka.purchases_topic
    producer = kafka.producer(**{"linger.ms": 20})
    failures: list[str] = []

    def on_delivery(err: Any, _msg: Any) -> None:
        if err is not None:
            failures.append(str(err))

    started = time.monotonic()
    headers: dict[str, str | bytes | None] = {SCHEMA_VERSION_HEADER: b"v2"}
    messages = purchase_messages(purchases)
    for sent, (key, value) in enumerate(
        tqdm(messages, desc="purchases -> kafka", unit="msg", disable=not progress), start=1
    ):
        while True:
            try:
                producer.produce(
                    topic, key=key, value=value, headers=headers, on_delivery=on_delivery
                )
                break
            except BufferError:  # the local queue is full: let deliveries drain it
                producer.poll(0.1)
        producer.poll(0)
        if rate > 0:
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    remaining = producer.flush(kafka.delivery_timeout_s)
    if remaining or failures:
        raise RuntimeError(
            f"{remaining + len(failures)} of {len(messages)} purchases were not delivered to "
            f"{topic}: {failures[:3]}"
        )
    return len(messages)
