"""An API app on the real local stack, with a Kafka topic and a lake folder of its own.

The purchases go to a private topic (so no stray message reaches another test's ingestor) and
products to a private lake root; sellers and clients use the shared database with fresh ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import AdminClient, NewTopic
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.config import ApiConfig
from shop_analytics.resources import build_resources
from shop_analytics.settings import Settings
from shop_analytics.tables.registry import provision

TOKEN = "test-token-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
READ_TOKEN = "test-read-token-9876543210"
READ_AUTH = {"Authorization": f"Bearer {READ_TOKEN}"}
PARTITIONS = 3


@dataclass(frozen=True)
class ApiPlace:
    settings: Settings
    topic: str
    lake_root: str
    chdb_dir: Path

    def environment(self, **overrides: str) -> dict[str, str]:
        return {
            **self.settings.as_environment(),
            "KAFKA_PURCHASES_TOPIC": self.topic,
            "KAFKA_DEAD_LETTER_TOPIC": f"{self.topic}.dlq",
            "LAKE_ROOT": self.lake_root,
            "CLICKHOUSE_DSN": f"chdb://{self.chdb_dir}",
            **overrides,
        }

    def resources(self, **overrides: str) -> dict[str, Any]:
        return build_resources(self.environment(**overrides).__getitem__)


def api_config(**changes: Any) -> ApiConfig:
    return ApiConfig(
        **{
            "token": TOKEN,
            "read_token": READ_TOKEN,
            "max_body_bytes": 256 * 1024,
            "max_batch_items": 100,
            **changes,
        }
    )


@pytest.fixture(scope="module")
def place(stack: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiPlace]:
    name = f"api-test-{uuid.uuid4().hex[:10]}"
    admin = AdminClient({"bootstrap.servers": stack.kafka_bootstrap_servers})
    topics = [name, f"{name}.dlq"]
    for future in admin.create_topics([NewTopic(t, PARTITIONS, 1) for t in topics]).values():
        future.result(timeout=30)
    place = ApiPlace(
        stack,
        topic=name,
        lake_root=f"s3://{stack.lake_bucket}/tests/{name}",
        chdb_dir=tmp_path_factory.mktemp("api-chdb") / "clickhouse",
    )
    provision(place.resources())
    yield place
    for future in admin.delete_topics(topics).values():
        future.result(timeout=30)


@pytest.fixture(scope="module")
def app(place: ApiPlace) -> Iterator[Flask]:
    app = create_app(api_config(), place.resources())
    yield app
    app.extensions["shop_analytics_api"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A client that sends the read-only token unless a request names another: reads work,
    writes still need `headers=AUTH`."""
    reader = app.test_client()
    reader.environ_base["HTTP_AUTHORIZATION"] = READ_AUTH["Authorization"]
    return reader


def new_id() -> str:
    return str(uuid.uuid4())


def purchase_body(**changes: Any) -> dict[str, Any]:
    """The spec's example purchase with fresh ids."""
    body = {
        "purchase_id": new_id(),
        "client_id": new_id(),
        "product_id": new_id(),
        "quantity": 2,
        "price": 49.99,
        "timestamp": "2025-04-06T12:00:00Z",
    }
    return {**body, **changes}
