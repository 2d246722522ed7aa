"""`/api/openapi.json` and an interactive page (Swagger UI) that reads it."""

from __future__ import annotations

from flask import Blueprint, Response

from api.errors import json_response
from api.openapi import openapi_document

bp = Blueprint("docs", __name__)

# Swagger UI's files come from its public CDN build, pinned to one release.
_SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5.17.14"
_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>shop_analytics write API</title>
  <link rel="stylesheet" href="{_SWAGGER_UI}/swagger-ui.css">
</head>
<body>
  <div id="docs"></div>
  <script src="{_SWAGGER_UI}/swagger-ui-bundle.js"></script>
  <script>
    SwaggerUIBundle({{url: "/api/openapi.json", dom_id: "#docs", persistAuthorization: true}});
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
