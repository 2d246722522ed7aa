"""The API's handles on Kafka, PostgreSQL and the lake, built once per app from the resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from api.config import ApiConfig
from api.pg_connections import PgConnections
from api.pg_entities import PgEntity, PgEntityStore
from api.product_store import ProductStore
from api.published_marks import PublishedMarks
from api.purchase_intake import ENTITY, PurchaseIntake
from api.purchase_publisher import PurchasePublisher
from shop_analytics import settings as settings_module
from shop_analytics.contracts import Client, Seller, SellerWrite
from shop_analytics.resources import KafkaResource, LakeResource, PostgresResource, build_resources

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
    marks: PublishedMarks
    purchases: PurchaseIntake
    products: ProductStore
    sellers: PgEntityStore
    clients: PgEntityStore

    def close(self) -> None:
        self.publisher.close()
        self.marks.close()  # writes the last marks: before the pool closes
        self.pg.close()


def default_resources() -> dict[str, Any]:
    """The platform's resources, configured by the same variables as everything else."""
    settings = settings_module.export_defaults()
    return build_resources(settings.as_environment().__getitem__)


def build_backends(config: ApiConfig, resources: Mapping[str, Any]) -> Backends:
    kafka: KafkaResource = resources["kafka"]
    postgres: PostgresResource = resources["postgres"]
    lake: LakeResource = resources["lake"]
    pg = PgConnections(postgres, deadline_s=config.pg_deadline_s, pool_size=config.pg_pool_size)
    publisher = PurchasePublisher(
        kafka, timeout_s=config.kafka_timeout_s, linger_ms=config.kafka_linger_ms
    )
    marks = PublishedMarks(pg, ENTITY)
    return Backends(
        pg=pg,
        publisher=publisher,
        marks=marks,
        purchases=PurchaseIntake(pg, publisher, marks),
        products=ProductStore(lake, config.products_table),
        sellers=PgEntityStore(pg, SELLERS),
        clients=PgEntityStore(pg, CLIENTS),
    )
