"""POST /api/purchases and the batch endpoint, on the real broker and database."""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import datetime
from typing import Any

import orjson
from confluent_kafka import Message
from flask.testing import FlaskClient

from api.purchase_reading import read_purchase
from shop_analytics.contracts import SCHEMA_VERSION_HEADER
from shop_analytics.resources.kafka import KafkaResource
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, new_id, purchase_body


def _kafka(place: ApiPlace) -> KafkaResource:
    kafka: KafkaResource = place.resources()["kafka"]
    return kafka


def _messages_with_keys(place: ApiPlace, keys: set[str], timeout_s: float = 30) -> list[Message]:
    """Every message of the topic whose key is in `keys` (read from the beginning)."""
    consumer = _kafka(place).consumer(f"api-test-{uuid.uuid4().hex[:8]}")
    found: list[Message] = []
    try:
        consumer.subscribe([place.topic])
        ends = _kafka(place).end_offsets(place.topic)
        seen = dict.fromkeys(ends, -1)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and any(seen[p] < ends[p] - 1 for p in ends):
            message = consumer.poll(0.5)
            if message is None or message.error() is not None:
                continue
            seen[message.partition()] = message.offset()
            if message.key() is not None and message.key().decode() in keys:
                found.append(message)
    finally:
        consumer.close()
    return found


def test_spec_example_is_published_with_its_key_and_version(
    client: FlaskClient, place: ApiPlace
) -> None:
    body = purchase_body()
    response = client.post("/api/purchases", json=body, headers=AUTH)

    assert response.status_code == 200
    assert response.json == {
        "purchase_id": body["purchase_id"],
        "status": "accepted",
        "schema_version": "v1",
    }
    (message,) = _messages_with_keys(place, {body["purchase_id"]})
    assert orjson.loads(message.value()) == body
    assert message.headers() == [(SCHEMA_VERSION_HEADER, b"v1")]


def test_purchase_with_a_seller_is_a_v2_message(client: FlaskClient, place: ApiPlace) -> None:
    body = purchase_body(seller_id=new_id())
    response = client.post("/api/purchases", json=body, headers=AUTH)

    assert response.status_code == 200
    assert response.json["schema_version"] == "v2"
    (message,) = _messages_with_keys(place, {body["purchase_id"]})
    assert orjson.loads(message.value())["seller_id"] == body["seller_id"]
    assert message.headers() == [(SCHEMA_VERSION_HEADER, b"v2")]


def test_repeated_purchase_gets_the_first_answer_and_is_published_once(
    client: FlaskClient, place: ApiPlace
) -> None:
    body = purchase_body()
    first = client.post("/api/purchases", json=body, headers=AUTH)
    # The same purchase written differently (key order, 2.0 for 2) is the same purchase.
    reordered: dict[str, Any] = dict(reversed(list({**body, "quantity": 2.0}.items())))
    again = client.post("/api/purchases", json=reordered, headers=AUTH)

    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json == first.json
    assert len(_messages_with_keys(place, {body["purchase_id"]})) == 1


def _published_at(place: ApiPlace, purchase_id: str, timeout_s: float = 30) -> datetime | None:
    """The claim's published_at once it is set (it is written in the background), else None."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = place.resources()["postgres"].fetch(
            "SELECT published_at FROM api_idempotency WHERE entity = 'purchase' AND id = %s",
            (purchase_id,),
        )
        assert len(rows) == 1, "every accepted purchase has its claim"
        if rows[0]["published_at"] is not None or time.monotonic() > deadline:
            found: datetime | None = rows[0]["published_at"]
            return found
        time.sleep(0.1)


def test_accepted_purchase_is_marked_published(client: FlaskClient, place: ApiPlace) -> None:
    body = purchase_body()
    assert client.post("/api/purchases", json=body, headers=AUTH).status_code == 200
    assert _published_at(place, body["purchase_id"]) is not None

    # Once marked, a repeat is answered from the claim without a second message.
    assert client.post("/api/purchases", json=body, headers=AUTH).status_code == 200
    assert len(_messages_with_keys(place, {body["purchase_id"]})) == 1


def test_claimed_but_unpublished_purchase_is_published_on_repeat(
    client: FlaskClient, place: ApiPlace
) -> None:
    # What a worker that died between the claim and the acknowledgement leaves behind.
    body = purchase_body()
    message = read_purchase(orjson.dumps(body)).message
    place.resources()["postgres"].execute(
        "INSERT INTO api_idempotency (entity, id, body_sha256, response) "
        "VALUES ('purchase', %s, %s, '{}')",
        (body["purchase_id"], hashlib.sha256(message).digest()),
    )

    response = client.post("/api/purchases", json=body, headers=AUTH)

    assert response.status_code == 200
    assert response.json["status"] == "accepted"
    (published,) = _messages_with_keys(place, {body["purchase_id"]})
    assert published.value() == message
    assert _published_at(place, body["purchase_id"]) is not None


def test_same_id_with_another_body_is_a_conflict_and_not_published(
    client: FlaskClient, place: ApiPlace
) -> None:
    body = purchase_body()
    assert client.post("/api/purchases", json=body, headers=AUTH).status_code == 200

    response = client.post("/api/purchases", json={**body, "quantity": 3}, headers=AUTH)

    assert response.status_code == 409
    assert response.json["error"] == "conflict"
    assert "purchase_id" in response.json["message"]
    (message,) = _messages_with_keys(place, {body["purchase_id"]})
    assert orjson.loads(message.value())["quantity"] == 2


def test_batch_publishes_every_purchase_with_a_result_each(
    client: FlaskClient, place: ApiPlace
) -> None:
    earlier = purchase_body()
    assert client.post("/api/purchases", json=earlier, headers=AUTH).status_code == 200
    fresh = [purchase_body() for _ in range(20)]
    batch = [*fresh, earlier, {**earlier, "quantity": 7}, fresh[0]]

    response = client.post("/api/purchases:batch", json=batch, headers=AUTH)

    assert response.status_code == 200
    assert response.json["accepted"] == 22
    assert response.json["rejected"] == 1
    statuses = [(r["index"], r["purchase_id"], r["status"]) for r in response.json["results"]]
    assert statuses == [(i, b["purchase_id"], s) for i, (b, s) in enumerate(
        zip(batch, ["accepted"] * 21 + ["conflict", "accepted"], strict=True)
    )]  # fmt: skip
    keys = {b["purchase_id"] for b in fresh} | {earlier["purchase_id"]}
    published = _messages_with_keys(place, keys)
    assert sorted(m.key().decode() for m in published) == sorted(keys)  # each exactly once


def test_batch_with_an_invalid_item_is_refused_whole(client: FlaskClient, place: ApiPlace) -> None:
    good = purchase_body()
    batch = [good, {**purchase_body(), "quantity": 0}, "not an object"]

    response = client.post("/api/purchases:batch", json=batch, headers=AUTH)

    assert response.status_code == 400
    assert response.json["errors"] == [
        {"field": "1.quantity", "reason": "Input should be greater than 0"},
        {"field": "2", "reason": "Input should be an object"},
    ]
    assert _messages_with_keys(place, {good["purchase_id"]}, timeout_s=5) == []


def test_batch_larger_than_the_limit_is_413(client: FlaskClient) -> None:
    response = client.post(
        "/api/purchases:batch", json=[purchase_body() for _ in range(101)], headers=AUTH
    )
    assert response.status_code == 413
    assert "at most 100" in response.json["message"]


def test_a_purchase_outside_the_time_bounds_is_refused_not_lost(
    client: FlaskClient, place: ApiPlace
) -> None:
    early = purchase_body(timestamp="1989-12-31T23:59:59Z")
    late = purchase_body(timestamp="2300-01-01T00:00:00Z")
    history = purchase_body(timestamp="1997-06-01T12:00:00Z")
    refused = [client.post("/api/purchases", json=body, headers=AUTH) for body in (early, late)]
    batch = client.post("/api/purchases:batch", json=[history, early, late], headers=AUTH)

    assert [r.status_code for r in refused] == [400, 400]
    reasons = [r.json["errors"][0] for r in refused]
    assert [r["field"] for r in reasons] == ["timestamp", "timestamp"]
    assert "1990-01-01T00:00:00Z, the history start" in reasons[0]["reason"]
    assert "24 hours after the current time" in reasons[1]["reason"]
    assert batch.status_code == 400
    assert [e["field"] for e in batch.json["errors"]] == ["1.timestamp", "2.timestamp"]
    # A 1997 purchase is history, not an error; none of the refused ones was published.
    assert client.post("/api/purchases", json=history, headers=AUTH).status_code == 200
    keys = {early["purchase_id"], late["purchase_id"], history["purchase_id"]}
    assert [m.key().decode() for m in _messages_with_keys(place, keys)] == [history["purchase_id"]]
