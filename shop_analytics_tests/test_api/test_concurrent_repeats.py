"""Identical purchases racing through several worker processes are published once."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator

import pytest

from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, purchase_body
from shop_analytics_tests.test_api.served_api import ServedApi, served
from shop_analytics_tests.test_api.test_purchases import _messages_with_keys

RACERS = 20


@pytest.fixture(scope="module")
def api(place: ApiPlace) -> Iterator[ServedApi]:
    with served(place, workers=3) as api:
        yield api


def _race(api: ServedApi, body: bytes, racers: int) -> list[int]:
    """`racers` connections send the same POST at the same moment; their status codes."""
    start = threading.Barrier(racers)
    statuses: list[int] = []
    lock = threading.Lock()

    def post() -> None:
        connection = http.client.HTTPConnection(api.host, api.port, timeout=60)
        try:
            connection.connect()
            start.wait(timeout=60)
            headers = {**AUTH, "Content-Type": "application/json"}
            connection.request("POST", "/api/purchases", body=body, headers=headers)
            status = connection.getresponse().status
        finally:
            connection.close()
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=post) for _ in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return statuses


def test_identical_concurrent_purchases_are_published_once(api: ServedApi, place: ApiPlace) -> None:
    for _ in range(3):  # each round a new id: a race lost once is not a pass by luck
        body = purchase_body()
        statuses = _race(api, json.dumps(body).encode(), RACERS)

        assert statuses == [200] * RACERS
        assert len(_messages_with_keys(place, {body["purchase_id"]})) == 1
