"""The dashboard opens for a token that may read the API, and for nobody else (chDB in this
process, no other service)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask import Flask

from api.auth import Credentials
from shop_analytics.dashboard.access import COOKIE
from shop_analytics.dashboard.app import create_app
from shop_analytics.dashboard.history import CHARTS
from shop_analytics.dashboard.reader import DashboardReader
from shop_analytics.resources.clickhouse import ClickHouseResource
from shop_analytics_tests.test_dashboard.marts import fill_marts

WRITE = "dashboard-write-token-0123"
READ = "dashboard-read-token-4567"
DATA = ["/", "/live.json", "/history.json", "/history.json?first=2026-01-01&last=2026-01-31"]


def _clickhouse(tmp_path: Path) -> ClickHouseResource:
    return ClickHouseResource(dsn=f"chdb://{tmp_path / 'clickhouse'}")


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(DashboardReader(_clickhouse(tmp_path)), Credentials(WRITE, READ))


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


def test_history_reads_every_mart(app: Flask, tmp_path: Path) -> None:
    fill_marts(_clickhouse(tmp_path), date(2026, 3, 10))
    auth = {"Authorization": f"Bearer {READ}"}
    history = app.test_client().get("/history.json", headers=auth).json
    assert (history["first"], history["last"]) == ("2026-02-08", "2026-03-09")
    charts = history["charts"]
    assert [row["revenue"] for row in charts["revenue_per_day"]["rows"]] == [301.5, 201.0, 100.5]
    assert [(row["category"], row["revenue"]) for row in charts["categories"]["rows"]] == [
        ("garden", 243.0),
        ("toys", 180.0),
    ]
    assert charts["top_products"]["rows"] == [
        {"name": "Kite", "category": "toys", "units": 6, "revenue": 180.0},
        {"name": "Rake", "category": "garden", "units": 3, "revenue": 121.5},
    ]
    assert charts["sellers"]["rows"] == [
        {"seller_name": "Romashka", "orders": 6, "units": 6, "revenue": 603.0}
    ]
    assert {row["rfm_segment"]: row["clients"] for row in charts["rfm_segments"]["rows"]} == {
        "champions": 1,
        "new": 1,
    }
    assert {row["snapshot"] for row in charts["cohorts"]["rows"]} == {"2026-03-09"}
    assert len(charts["cohorts"]["rows"]) == 3
    empty = app.test_client().get("/history.json?first=2020-01-01&last=2020-01-31", headers=auth)
    assert empty.json["charts"]["sellers"] == {
        "message": "mart seller_performance_daily has no rows for 2020-01-01..2020-01-31"
    }
