"""The dashboard opens for a token that may read the API, and for nobody else (chDB in this
process, no other service)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from api.auth import Credentials
from shop_analytics.dashboard.access import COOKIE
from shop_analytics.dashboard.app import create_app
from shop_analytics.dashboard.history import CHARTS
from shop_analytics.dashboard.reader import DashboardReader
from shop_analytics.resources.clickhouse import ClickHouseResource

WRITE = "dashboard-write-token-0123"
READ = "dashboard-read-token-4567"
DATA = ["/", "/live.json", "/history.json", "/history.json?first=2026-01-01&last=2026-01-31"]


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    reader = DashboardReader(ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}"))
    return create_app(reader, Credentials(WRITE, READ))


@pytest.mark.parametrize("path", DATA)
def test_no_data_without_a_read_token(app: Flask, path: str) -> None:
    anonymous = app.test_client()
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {READ}"}):
        answer = anonymous.get(path, headers=headers)
        if path == "/":
            assert (answer.status_code, answer.location) == (303, "/login"), headers
        else:
            assert (answer.status_code, answer.json["error"]) == (401, "unauthorized"), headers
    anonymous.set_cookie(COOKIE, "wrong")
    assert anonymous.get(path).status_code in (303, 401)


@pytest.mark.parametrize("token", [READ, WRITE])
def test_either_token_opens_it_by_header_or_by_the_login_form(app: Flask, token: str) -> None:
    assert app.test_client().get("/live.json", headers={"Authorization": f"Bearer {token}"}).json[
        "today"
    ] == {
        "orders": 0,
        "units": 0,
        "revenue": 0.0,
        "avg_order_value": 0.0,
        "top_products": [],
        "top_categories": [],
    }
    browser = app.test_client()
    refused = browser.post("/login", data={"token": "wrong"})
    assert refused.status_code == 401 and "Set-Cookie" not in refused.headers
    signed_in = browser.post("/login", data={"token": token})
    assert (signed_in.status_code, signed_in.location) == (303, "/")
    cookie = signed_in.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert browser.get("/").status_code == 200
    assert browser.get("/live.json").status_code == 200
    browser.post("/logout")
    assert browser.get("/live.json").status_code == 401


def test_sign_in_page_and_chart_library_are_public(app: Flask) -> None:
    anonymous = app.test_client()
    assert anonymous.get("/login").status_code == 200
    assert anonymous.get("/health").json == {"status": "ok"}
    plotly = anonymous.get("/vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.data) > 1_000_000


def test_absent_marts_are_named_not_fatal(app: Flask) -> None:
    reader = app.test_client()
    auth = {"Authorization": f"Bearer {READ}"}
    history = reader.get("/history.json?first=2026-01-01&last=2026-01-31", headers=auth).json
    assert (history["first"], history["last"]) == ("2026-01-01", "2026-01-31")
    assert set(history["charts"]) == set(CHARTS)
    for name, chart in history["charts"].items():
        assert chart == {
            "message": f"mart {CHARTS[name].mart} is not built yet (run the daily batch)"
        }
    bad = reader.get("/history.json?first=2026-02-01&last=2026-01-01", headers=auth)
    assert bad.status_code == 400
