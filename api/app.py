"""The write API's application factory (served by `api.serving`).

Its clients of PostgreSQL, Kafka and the lake come from `shop_analytics.clients` (no Dagster in
the process), configured by the same variables as the rest of the platform; the API's own
settings are in `api.config`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, request

from api.auth import Credentials
from api.backends import build_backends
from api.body_reading import BODY_READER_KEY, BodyReader
from api.config import ApiConfig
from api.docs import bp as docs_bp
from api.errors import json_response, register_error_handlers
from api.routes.common import EXTENSION_KEY
from api.routes.people import clients as clients_bp
from api.routes.people import sellers as sellers_bp
from api.routes.products import bp as products_bp
from api.routes.purchases import bp as purchases_bp
from shop_analytics.clients import clients_from_environment


def create_app(config: ApiConfig | None = None, clients: Mapping[str, Any] | None = None) -> Flask:
    """The Flask app; `config` and `clients` (or resources) default to the environment's."""
    config = config or ApiConfig.from_environment()
    app = Flask(__name__, static_folder=None)
    app.config.update(
        MAX_CONTENT_LENGTH=config.max_body_bytes,
        API_MAX_BATCH_ITEMS=config.max_batch_items,
        API_RETRY_AFTER_S=config.retry_after_s,
    )
    # Nothing connects here: a worker starts even while Kafka, PostgreSQL or S3 is down, and
    # answers 503 until they are back.
    app.extensions[EXTENSION_KEY] = build_backends(config, clients or clients_from_environment())

    app.extensions[BODY_READER_KEY] = BodyReader(config.max_body_bytes, config.body_deadline_s)

    credentials = Credentials(config.token, config.read_token)

    @app.before_request
    def _authenticate() -> None:
        # Only routed requests: an unknown path or method is a 404/405 whatever the token.
        if request.url_rule is not None:
            credentials.authorize()

    @app.get("/api/health")
    def health() -> Any:
        """Liveness: the process answers."""
        return json_response({"status": "ok"})

    for blueprint in (purchases_bp, products_bp, sellers_bp, clients_bp, docs_bp):
        app.register_blueprint(blueprint)
    register_error_handlers(app, config.retry_after_s)
    return app
