"""Producers in wire format: the API (v2, with sellers) and the seed (v1) write to one topic at
once; every message carries its version's schema id and every purchase reaches ClickHouse."""

from __future__ import annotations

import dataclasses
import threading
import uuid
from pathlib import Path
from typing import Any

import pandas as pd

from api.app import create_app
from shop_analytics.contracts.registry_schemas import purchase_subject
from shop_analytics.contracts.wire_format import wire_schema_id
from shop_analytics.resources import build_resources
from shop_analytics.schema_registry.subjects import provision_subjects
from shop_analytics.seed.stream import send_purchases
from shop_analytics.settings import Settings
from shop_analytics.streaming import OffsetRange, ingest_range
from shop_analytics_tests.test_api.conftest import AUTH, api_config, purchase_body
from shop_analytics_tests.test_contracts.cases import SELLER_ID
from shop_analytics_tests.test_streaming import checks
from shop_analytics_tests.test_streaming import helpers as h

API_SINGLES, API_BATCH, SEEDED = 60, 40, 500


def seed_purchases(count: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "purchase_id": [str(uuid.uuid4()) for _ in range(count)],
            "client_id": [str(uuid.uuid4()) for _ in range(count)],
            "product_id": [str(uuid.uuid4()) for _ in range(count)],
            "quantity": [1 + i % 5 for i in range(count)],
            "price": [0.5 + i for i in range(count)],
            "timestamp": pd.Timestamp("2025-04-06T12:00:00Z")
            + pd.to_timedelta(range(count), unit="ms"),
            "seller_id": [None] * count,
        }
    )


def test_api_and_seed_write_wire_format_that_reaches_clickhouse(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path)
    ids = provision_subjects(dataclasses.replace(stack, purchases_topic=place.topic))
    schema_ids = ids[purchase_subject(place.topic).name]
    resources = build_resources({**place.environment(), "KAFKA_PURCHASE_FORMAT": "wire"}.get)
    app = create_app(api_config(), resources)
    api_bodies = [purchase_body(seller_id=SELLER_ID) for _ in range(API_SINGLES + API_BATCH)]
    seeded = seed_purchases(SEEDED)
    answers: list[Any] = []

    def post_through_the_api() -> None:
        client = app.test_client()
        for body in api_bodies[:API_SINGLES]:
            answers.append(client.post("/api/purchases", json=body, headers=AUTH))
        answers.append(
            client.post("/api/purchases:batch", json=api_bodies[API_SINGLES:], headers=AUTH)
        )

    try:
        api_thread = threading.Thread(target=post_through_the_api)
        api_thread.start()  # the seed produces v1 while the API produces v2
        sent = send_purchases(resources["kafka"], seeded, topic=place.topic, progress=False)
        api_thread.join(timeout=300)
        assert not api_thread.is_alive()
    finally:
        app.extensions["shop_analytics_api"].close()

    assert sent == SEEDED
    assert [a.status_code for a in answers] == [200] * (API_SINGLES + 1)
    assert {a.get_json()["schema_version"] for a in answers[:API_SINGLES]} == {"v2"}
    messages = h.read_all(place.bootstrap, place.topic, SEEDED + len(api_bodies))
    by_id = {m.key().decode(): wire_schema_id(m.value()) for m in messages}
    seeded_ids, api_ids = set(seeded["purchase_id"]), {b["purchase_id"] for b in api_bodies}
    assert {by_id[i] for i in seeded_ids} == {schema_ids["v1"]}
    assert {by_id[i] for i in api_ids} == {schema_ids["v2"]}

    ends = h.end_offsets(place.bootstrap, place.topic)
    r = place.resources()  # the ingestor's own settings: it reads either format
    results = [
        ingest_range(r["kafka"], r["clickhouse"], r["lake"], OffsetRange(place.topic, p, 0, end))
        for p, end in ends.items()
    ]
    assert sum(result.totals.dead_letters for result in results) == 0
    checks.assert_exactly_once(place, seeded_ids | api_ids)
    with r["clickhouse"].session() as ch:
        with_seller = ch.query(
            "SELECT toString(purchase_id) FROM purchases FINAL WHERE seller_id IS NOT NULL"
        ).result_rows
    assert {pid for (pid,) in with_seller} == api_ids


def test_without_a_schema_id_the_api_answers_503_and_publishes_nothing(
    stack: Settings, tmp_path: Path
) -> None:
    place = h.new_place(stack, tmp_path, partitions=1)
    # A registry that holds no subject at all: the version's id cannot be found.
    empty = {"KAFKA_PURCHASE_FORMAT": "wire", "SCHEMA_REGISTRY_URL": f"mock://{uuid.uuid4()}"}
    app = create_app(api_config(), build_resources({**place.environment(), **empty}.get))
    try:
        answer = app.test_client().post("/api/purchases", json=purchase_body(), headers=AUTH)
    finally:
        app.extensions["shop_analytics_api"].close()
    assert answer.status_code == 503
    assert "Schema Registry" in answer.get_json()["message"]
    assert h.end_offsets(place.bootstrap, place.topic, 1) == {0: 0}
