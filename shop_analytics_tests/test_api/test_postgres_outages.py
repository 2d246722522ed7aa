"""PostgreSQL frozen or restarted: bounded waits (503 with Retry-After), then no failed request
once it is back. Runs against the stack's own server: signals go to the PID its service
recorded, never to a process found by name."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
from flask import Flask

from api.app import create_app
from shop_analytics.local.postgres import PostgresService
from shop_analytics_tests.test_api.conftest import AUTH, ApiPlace, api_config, new_id

THREADS = 6


@pytest.fixture
def outage_app(place: ApiPlace) -> Iterator[Flask]:
    app = create_app(api_config(pg_deadline_s=1.5, retry_after_s=3), place.resources())
    yield app
    app.extensions["shop_analytics_api"].close()


def _server_pids(service: PostgresService) -> list[int]:
    """The postmaster (from its service's PID file) and its children: the whole server."""
    postmaster = service.process.pid()
    assert postmaster is not None, "the stack's PostgreSQL is not running"
    children = []
    for task in Path(f"/proc/{postmaster}/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return [postmaster, *children]


@contextmanager
def _frozen(service: PostgresService) -> Iterator[None]:
    pids = _server_pids(service)
    for pid in pids:
        os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)


def _read(app: Flask, path: str) -> int:
    return app.test_client().get(path, headers=AUTH).status_code


def test_a_frozen_postgres_is_a_prompt_503(outage_app: Flask, place: ApiPlace) -> None:
    service = PostgresService(place.settings)
    # Warm connections in the pool: the frozen server must also stop calls already connected.
    with ThreadPoolExecutor(THREADS) as pool:
        assert set(pool.map(lambda _: _read(outage_app, "/api/sellers?limit=1"), range(12))) == {
            200
        }

    def timed(path: str) -> tuple[int, float, str | None]:
        started = time.monotonic()
        client = outage_app.test_client()
        response = client.get(path, headers=AUTH)
        return response.status_code, time.monotonic() - started, response.headers.get("Retry-After")

    with _frozen(service), ThreadPoolExecutor(THREADS) as pool:
        paths = [f"/api/clients/{new_id()}"] * THREADS + ["/api/sellers?limit=5"] * THREADS
        answers = list(pool.map(timed, paths))

    assert {status for status, _, _ in answers} == {503}, answers
    assert max(seconds for _, seconds, _ in answers) < 3.5, answers
    assert {retry for _, _, retry in answers} == {"3"}
    # Thawed: the cut connections were discarded, the next requests succeed.
    assert _read(outage_app, "/api/sellers?limit=1") == 200


def test_a_postgres_restart_fails_no_request_once_it_is_back(
    outage_app: Flask, place: ApiPlace
) -> None:
    service = PostgresService(place.settings)
    with ThreadPoolExecutor(THREADS) as pool:
        assert set(pool.map(lambda _: _read(outage_app, "/api/sellers?limit=1"), range(24))) == {
            200
        }
        service.stop()
        service.start()
        paths = [f"/api/sellers?limit={1 + i % 3}" for i in range(60)]
        statuses = list(pool.map(lambda path: _read(outage_app, path), paths))

    assert statuses == [200] * len(paths)
