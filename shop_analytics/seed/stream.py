"""Send demo purchases to Kafka as the purchase kernel encodes them, at a given rate, with a
progress bar."""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
from tqdm import tqdm

from shop_analytics.clients.kafka_produce import produce_waiting
from shop_analytics.contracts import SCHEMA_VERSION_HEADER
from shop_analytics.contracts.purchase_check import FIELDS_BY_VERSION, check_purchase
from shop_analytics.contracts.purchase_encoding import EncodedPurchase, encode_row, utc_text
from shop_analytics.resources import KafkaResource


def purchase_messages(purchases: pd.DataFrame) -> list[EncodedPurchase]:
    """Each purchase checked and encoded by the purchase kernel, as the API would publish it
    (no seller -> no field, and schema version v1)."""
    millis = purchases["timestamp"].astype("datetime64[ms, UTC]").astype("int64")
    encoded = []
    for row, stamp in zip(purchases.itertuples(index=False), millis, strict=True):
        checked = check_purchase(
            {
                "purchase_id": row.purchase_id,
                "client_id": row.client_id,
                "product_id": row.product_id,
                "quantity": int(row.quantity),
                "price": float(row.price),
                # The check reads timestamps as text; epoch ms render exactly.
                "timestamp": utc_text(int(stamp)),
                **({} if row.seller_id is None else {"seller_id": row.seller_id}),
            },
            FIELDS_BY_VERSION["v2"],
        )
        if isinstance(checked, str):
            raise ValueError(f"demo purchase {row.purchase_id} breaks the contract: {checked}")
        encoded.append(encode_row(checked))
    return encoded


def send_purchases(
    kafka: KafkaResource,
    purchases: pd.DataFrame,
    *,
    rate: float = 0.0,
    topic: str | None = None,
    progress: bool = True,
) -> int:
    """Produce every purchase (keyed by purchase_id, in `kafka.purchase_format`) and wait for
    all acknowledgements.

    ``rate`` is messages per second (0: as fast as the broker takes them). Raises if any
    message was not delivered.
    """
    topic = topic or kafka.purchases_topic
    producer = kafka.producer(**{"linger.ms": 20})
    serialize = kafka.purchase_serializer()
    failures: list[str] = []

    def on_delivery(err: Any, _msg: Any) -> None:
        if err is not None:
            failures.append(str(err))

    started = time.monotonic()
    messages = purchase_messages(purchases)
    for sent, (purchase_id, value, version) in enumerate(
        tqdm(messages, desc="purchases -> kafka", unit="msg", disable=not progress), start=1
    ):
        produce_waiting(
            producer,
            topic,
            serialize(value, version),
            key=purchase_id.encode(),
            headers=[(SCHEMA_VERSION_HEADER, version.encode())],
            on_delivery=on_delivery,
            max_wait_s=kafka.delivery_timeout_s,
        )
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
