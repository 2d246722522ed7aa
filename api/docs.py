"""`/api/openapi.json` and an interactive page (Swagger UI) that reads it, served offline.

Swagger UI's files come from the installed `swagger_ui_bundle` package through
`/api/docs/static/`: the page names no external address, so it works without internet access
and leaks no request to a CDN. The token typed into the page is not kept by the browser
(`persistAuthorization: false`): it is a credential, and the page may be opened on a shared
machine.
"""

from __future__ import annotations

from flask import Blueprint, Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from api.errors import json_response
from api.openapi import openapi_document

bp = Blueprint("docs", __name__)

_STATIC = "/api/docs/static"
# Swagger UI 4 (the release `swagger_ui_bundle` ships) renders OpenAPI 3.0 and refuses a
# document that says 3.1; ours uses nothing it cannot show, so the page relabels its copy for
# display. The served document stays 3.1.
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>shop_analytics write API</title>
  <link rel="stylesheet" href="{_STATIC}/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="{_STATIC}/swagger-ui-bundle.js"></script>
  <script>
    fetch("/api/openapi.json").then((answer) => answer.json()).then((doc) => {{
      doc.openapi = "3.0.3";
      SwaggerUIBundle({{spec: doc, dom_id: "#docs", persistAuthorization: false}});
    }});
  </script>
</body>
</html>
"""


@bp.get("/api/openapi.json")
def document() -> Response:
    return json_response(openapi_document())


@bp.get("/api/docs")
def page() -> Response:
    return Response(_PAGE, mimetype="text/html")


@bp.get(f"{_STATIC}/<path:filename>")
def asset(filename: str) -> Response:
    # send_from_directory refuses paths that leave the folder (404).
    return send_from_directory(swagger_ui_path, filename, max_age=3600)
