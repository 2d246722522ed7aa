"""A purchase posted to the API reaches ClickHouse through the ingestor."""

from __future__ import annotations

from flask.testing import FlaskClient

from shop_analytics.resources import ClickHouseResource, KafkaResource, LakeResource
from shop_analytics.streaming import OffsetRange, ingest_range
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, purchase_body


def test_posted_purchase_lands_in_clickhouse(client: FlaskClient, place: ApiPlace) -> None:
    resources = place.resources()
    kafka: KafkaResource = resources["kafka"]
    clickhouse: ClickHouseResource = resources["clickhouse"]
    lake: LakeResource = resources["lake"]
    before = kafka.end_offsets(place.topic)
    bodies = [purchase_body(quantity=n) for n in range(1, 6)]
    for body in bodies:
        assert client.post("/api/purchases", json=body, headers=AUTH).status_code == 200

    after = kafka.end_offsets(place.topic)
    for partition, end in after.items():
        ingest_range(
            kafka, clickhouse, lake, OffsetRange(place.topic, partition, before[partition], end)
        )

    ids = [body["purchase_id"] for body in bodies]
    with clickhouse.session() as ch:
        rows = ch.query(
            "SELECT toString(purchase_id), quantity, price FROM purchases FINAL "
            "WHERE toString(purchase_id) IN %(ids)s ORDER BY quantity",
            parameters={"ids": ids},
        ).result_rows
    assert rows == [(b["purchase_id"], b["quantity"], b["price"]) for b in bodies]
