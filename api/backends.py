"""The API's handles on Kafka, PostgreSQL and the lake, built once per app from the clients."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from api.config import ApiConfig
from api.pg_connections import PgConnections
from api.pg_entities import PgEntity, PgEntityStore
from api.purchase_intake import PurchaseIntake
from api.purchase_publisher import PurchasePublisher
from shop_analytics.clients import KafkaClient, LakeClient, PostgresClient
from shop_analytics.contracts import Client, Seller, SellerWrite

if TYPE_CHECKING:
    from api.product_store import ProductStore

SELLERS = PgEntity(
    table="sellers",
    key="seller_id",
    stored=Seller,
    writable=tuple(name for name in SellerWrite.model_fields if name != "seller_id"),
    touch="updated_at",
)
CLIENTS = PgEntity(
    table="clients",
    key="client_id",
    stored=Client,
    writable=tuple(name for name in Client.model_fields if name != "client_id"),
)


@dataclass
class Backends:
    pg: PgConnections
    publisher: PurchasePublisher
    purchases: PurchaseIntake
    sellers: PgEntityStore
    clients: PgEntityStore
    lake: LakeClient
    products_table: str
    _products: ProductStore | None = None
    _products_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def products(self) -> ProductStore:
        # Built on the first product request: pyarrow and delta-rs cost a worker ~85 MB and
        # ~0.4 s, which purchases, sellers and clients never need.
        if self._products is None:
            with self._products_lock:
                if self._products is None:
                    from api.product_store import ProductStore

                    self._products = ProductStore(self.lake, self.products_table)
        return self._products

    def close(self) -> None:
        self.publisher.close()
        self.pg.close()


def build_backends(config: ApiConfig, clients: Mapping[str, Any]) -> Backends:
    # Dagster resources are clients too (tests pass either).
    kafka: KafkaClient = clients["kafka"]
    postgres: PostgresClient = clients["postgres"]
    lake: LakeClient = clients["lake"]
    pg = PgConnections(postgres, deadline_s=config.pg_deadline_s, pool_size=config.pg_pool_size)
    publisher = PurchasePublisher(
        kafka, timeout_s=config.kafka_timeout_s, linger_ms=config.kafka_linger_ms
    )
    return Backends(
        pg=pg,
        publisher=publisher,
        purchases=PurchaseIntake(pg, publisher),
        sellers=PgEntityStore(pg, SELLERS),
        clients=PgEntityStore(pg, CLIENTS),
        lake=lake,
        products_table=config.products_table,
    )
