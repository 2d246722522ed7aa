"""The read-only dashboard: a live panel of today's figures and the marts' history.

A Flask app of its own, apart from the write API: the API's workers stay free of chDB and
Dagster, and the dashboard's reads never queue behind writes. Charts are drawn by plotly.js,
served from the installed `plotly` package: the page names no external address.
"""

from __future__ import annotations

from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import plotly
from flask import Flask, Response, jsonify, redirect, request, send_from_directory

from api.auth import Credentials
from shop_analytics.dashboard.access import EXTENSION_KEY, PUBLIC_ENDPOINTS, request_may_read
from shop_analytics.dashboard.access import bp as access_bp
from shop_analytics.dashboard.reader import DashboardReader
from shop_analytics.resources.chdb_lock import ChdbLockTimeout

PLOTLY_FILES = Path(plotly.__file__).parent / "package_data"
STATIC = Path(str(resources.files(__package__).joinpath("static")))


def create_app(reader: DashboardReader, credentials: Credentials) -> Flask:
    app = Flask(__name__, static_folder=str(STATIC), static_url_path="/static")
    app.extensions[EXTENSION_KEY] = credentials
    app.register_blueprint(access_bp)

    @app.before_request
    def _authenticate() -> Any:
        if request.endpoint in PUBLIC_ENDPOINTS or request.url_rule is None:
            return None
        if request_may_read():
            return None
        if request.path.endswith(".json"):
            return _error(401, "unauthorized", "send the read token (API_READ_TOKEN)")
        return redirect("/login", code=303)

    @app.errorhandler(ChdbLockTimeout)
    def _busy(error: ChdbLockTimeout) -> Response:
        return _error(503, "busy", str(error))

    @app.get("/health")
    def health() -> Response:
        return jsonify(status="ok")

    @app.get("/")
    def page() -> Response:
        return send_from_directory(STATIC, "dashboard.html")

    @app.get("/vendor/plotly.min.js")
    def plotly() -> Response:
        return send_from_directory(PLOTLY_FILES, "plotly.min.js", max_age=86400)

    @app.get("/live.json")
    def live() -> Response:
        return jsonify(reader.live())

    @app.get("/history.json")
    def history() -> Response:
        try:
            first, last = (_day(request.args.get(name)) for name in ("first", "last"))
        except ValueError:
            return _error(400, "bad_request", "first and last are days like 2026-12-01")
        if first and last and first > last:
            return _error(400, "bad_request", "first must not be after last")
        return jsonify(reader.history(first, last))

    return app


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _error(status: int, error: str, message: str) -> Response:
    answer = jsonify(error=error, message=message)
    answer.status_code = status
    return answer
