"""Who may see the dashboard: whoever holds a token that may read the API (`api.auth`).

The token comes in an ``Authorization: Bearer`` header (scripts) or in a cookie that the login
form sets (browsers). The cookie is HttpOnly (page scripts cannot read it) and SameSite=Strict
(no other site's page sends it); it lives until the browser closes. The token is checked on
every request, so changing API_READ_TOKEN shuts every open dashboard out.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from api.auth import Credentials, bearer_token

COOKIE = "shop_analytics_token"
EXTENSION_KEY = "shop_analytics_dashboard_credentials"
# Endpoints anyone may call: the login form, liveness and the page's own files (no data).
PUBLIC_ENDPOINTS = frozenset(
    {"access.login", "access.log_in", "access.log_out", "health", "static", "plotly"}
)

bp = Blueprint("access", __name__)

_LOGIN = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>shop_analytics dashboard: sign in</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/dashboard.css"></head>
<body class="login">
  <form method="post" action="/login">
    <h1>shop_analytics dashboard</h1>
    <label for="token">Read token (API_READ_TOKEN)</label>
    <input id="token" name="token" type="password" autocomplete="off" autofocus>
    <button type="submit">Open</button>
    <p class="message">{message}</p>
  </form>
</body>
</html>
"""


def request_may_read() -> bool:
    credentials: Credentials = current_app.extensions[EXTENSION_KEY]
    cookie = request.cookies.get(COOKIE, "").encode("utf-8", "replace")
    return credentials.may_read(bearer_token() or cookie)


@bp.get("/login")
def login() -> Response:
    return Response(_LOGIN.format(message=""), mimetype="text/html")


@bp.post("/login")
def log_in() -> BaseResponse:
    token = request.form.get("token", "")
    credentials: Credentials = current_app.extensions[EXTENSION_KEY]
    if not credentials.may_read(token.encode("utf-8", "replace")):
        page = _LOGIN.format(message="That token may not read.")
        return Response(page, status=401, mimetype="text/html")
    answer = redirect("/", code=303)
    answer.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/")
    return answer


@bp.post("/logout")
def log_out() -> BaseResponse:
    answer = redirect("/login", code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer
