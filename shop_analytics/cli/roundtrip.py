"""A round trip through every system of the stack, each step printed with what it did.

It writes the spec's own examples (section 3 client, section 4 purchase, section 5 product) with
fixed ids, so running it again leaves the same rows: every write is an upsert.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
from confluent_kafka import Message, TopicPartition

from shop_analytics.contracts import SCHEMA_VERSION_HEADER, parse_purchase, purchase_message
from shop_analytics.contracts.clickhouse_ddl import (
    CLICKHOUSE_PURCHASES_TABLE,
    clickhouse_purchase_columns,
)
from shop_analytics.contracts.purchase import SPEC_EXAMPLE, Purchase
from shop_analytics.resources import (
    ClickHouseResource,
    KafkaResource,
    LakeResource,
    PostgresResource,
    SparkResource,
    build_resources,
)
from shop_analytics.resources.spark import s3a_uri
from shop_analytics.settings import Settings

Echo = Callable[[str], None]

SPEC_CLIENT = {
    "client_id": SPEC_EXAMPLE["client_id"],
    "first_name": "Иван",
    "last_name": "Иванов",
    "email": "ivan@example.com",
    "address": "Москва, ул. Тверская, 1",
    "registration_date": datetime(2025, 1, 15, 9, 30, tzinfo=UTC),
}
# The lake step keeps to a table of its own: the products table's layout belongs to the assets.
ROUNDTRIP_PRODUCTS_TABLE = "roundtrip/products"
PRODUCT_KEY = "t.product_id = s.product_id"


def run_roundtrip(settings: Settings, echo: Echo = print) -> None:
    resources = build_resources(settings.as_environment().__getitem__)
    purchase = parse_purchase(purchase_message(Purchase.model_validate(SPEC_EXAMPLE)))

    with _step("postgres", echo):
        echo(_postgres(resources["postgres"]))
    with _step("kafka", echo):
        consumed = _kafka(resources["kafka"], purchase, echo)
    with _step("lake", echo):
        echo(_lake(resources["lake"]))
    with _step("clickhouse", echo):
        echo(_clickhouse(resources["clickhouse"], *consumed))
    with _step("spark", echo):
        echo(_spark(resources["spark"], resources["lake"]))


@contextmanager
def _step(name: str, echo: Echo) -> Iterator[None]:
    started = time.perf_counter()
    echo(f"[{name}] ...")
    yield
    echo(f"[{name}] done in {time.perf_counter() - started:.2f} s")


def _postgres(postgres: PostgresResource) -> str:
    columns = list(SPEC_CLIENT)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns[1:])
    postgres.execute(
        f"INSERT INTO clients ({', '.join(columns)}) "
        f"VALUES ({', '.join(f'%({c})s' for c in columns)}) "
        f"ON CONFLICT (client_id) DO UPDATE SET {updates}",
        SPEC_CLIENT,
    )
    row = postgres.fetch(
        "SELECT first_name, last_name, email FROM clients WHERE client_id = %s",
        (SPEC_CLIENT["client_id"],),
    )[0]
    return f"  upserted client {SPEC_CLIENT['client_id']}, read back {row}"


def _kafka(kafka: KafkaResource, purchase: Purchase, echo: Echo) -> tuple[Purchase, Message]:
    kafka.ensure_reachable()
    # Start reading where the topic ends now, so the message read back is the one sent here.
    start = kafka.end_offsets(kafka.purchases_topic)
    producer = kafka.producer()
    delivered: list[Any] = []
    producer.produce(
        kafka.purchases_topic,
        key=str(purchase.purchase_id).encode(),
        value=purchase_message(purchase),
        headers={SCHEMA_VERSION_HEADER: b"v1"},
        on_delivery=lambda err, msg: delivered.append(err or msg),
    )
    producer.flush(kafka.delivery_timeout_s)
    message = delivered[0]
    if isinstance(message, Exception) or message.error():
        raise RuntimeError(f"purchase not delivered: {message}")

    consumer = kafka.consumer(group_id="shop-analytics-roundtrip")
    partition = message.partition()
    consumer.assign([TopicPartition(kafka.purchases_topic, partition, start[partition])])
    try:
        while True:
            got = consumer.poll(kafka.request_timeout_s)
            if got is None:
                raise RuntimeError("the produced purchase was not read back in time")
            if got.error() is None and got.offset() == message.offset():
                break
    finally:
        consumer.close()
    version = _header(got, SCHEMA_VERSION_HEADER)
    consumed = parse_purchase(got.value() or b"", version=version)
    echo(
        f"  produced purchase {purchase.purchase_id} to {kafka.purchases_topic}"
        f"[{partition}]@{message.offset()}, consumed it back (schema {version})"
    )
    return consumed, got


def _header(message: Message, name: str) -> str:
    value = dict(message.headers() or []).get(name)
    return value.decode() if isinstance(value, bytes) else str(value)


def _lake(lake: LakeResource) -> str:
    product = {
        "product_id": SPEC_EXAMPLE["product_id"],
        "name": "Смартфон",
        "category": "Электроника",
        "price": 499.99,
        "available_stock": 10,
        "updated_at": datetime(2025, 4, 6, 12, 0, tzinfo=UTC),
    }
    lake.merge(ROUNDTRIP_PRODUCTS_TABLE, pa.Table.from_pylist([product]), PRODUCT_KEY)
    first = lake.version(ROUNDTRIP_PRODUCTS_TABLE)
    restocked = {**product, "available_stock": 25, "updated_at": datetime.now(UTC)}
    lake.merge(ROUNDTRIP_PRODUCTS_TABLE, pa.Table.from_pylist([restocked]), PRODUCT_KEY)
    latest = lake.version(ROUNDTRIP_PRODUCTS_TABLE)
    stock_then = lake.read(ROUNDTRIP_PRODUCTS_TABLE, version=first)["available_stock"][0]
    stock_now = lake.read(ROUNDTRIP_PRODUCTS_TABLE)["available_stock"][0]
    return (
        f"  MERGEd product into {lake.table_uri(ROUNDTRIP_PRODUCTS_TABLE)}: version {first} "
        f"stock {stock_then} -> version {latest} stock {stock_now} (time travel read both)"
    )


def _clickhouse(clickhouse: ClickHouseResource, purchase: Purchase, message: Message) -> str:
    # The fact row the ingestor writes for this message: keyed by purchase_id, so it is the
    # same row however often the round trip (or the ingestor) writes it.
    row = {"seller_id": None, **purchase.model_dump()}
    row |= {"_partition": message.partition(), "_offset": message.offset()}
    columns = [c for c in clickhouse_purchase_columns() if c in row]
    with clickhouse.session() as client:
        client.insert(CLICKHOUSE_PURCHASES_TABLE, [[row[c] for c in columns]], column_names=columns)
        count = client.query(
            f"SELECT count() FROM {CLICKHOUSE_PURCHASES_TABLE} FINAL WHERE purchase_id = %(id)s",
            parameters={"id": purchase.purchase_id},
        ).result_rows[0][0]
    return f"  inserted purchase {purchase.purchase_id}; FINAL holds {count} row for it"


def _spark(spark: SparkResource, lake: LakeResource) -> str:
    session = spark.spark_session
    uri = s3a_uri(lake.table_uri(ROUNDTRIP_PRODUCTS_TABLE))
    products = session.read.format("delta").load(uri)
    stock = products.agg({"available_stock": "sum"}).collect()[0][0]
    return f"  Spark {session.version} read {uri} through Delta: total stock {stock}"
