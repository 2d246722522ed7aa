"""Every error the API answers with: one JSON shape, and never a stack trace.

Body: `{"error": "<code>", "message": "<human sentence>", "errors": [{"field", "reason"}]}`,
where `errors` appears on 400s only. Handlers registered by `register_error_handlers` turn
`ApiError`, pydantic's `ValidationError`, werkzeug's HTTP errors and unavailable backends into
that shape; anything unexpected becomes a logged 500 whose body says nothing about internals.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import orjson
from flask import Flask, Response
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from shop_analytics.contracts import FieldError, field_errors

log = logging.getLogger(__name__)

# werkzeug's status codes -> our error codes; anything else keeps werkzeug's name, snake_cased.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error answer: raise it anywhere in a view."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Sequence[FieldError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors) if errors is not None else None
        self.headers = headers or {}


class BackendUnavailable(Exception):
    """Kafka, PostgreSQL or S3 did not answer in time: the client should retry later (503)."""

    def __init__(self, system: str, detail: str) -> None:
        super().__init__(f"{system} is unavailable: {detail}")
        self.system = system


def validation_error(errors: Sequence[FieldError]) -> ApiError:
    return ApiError(400, "the request body is invalid", errors=errors)


def json_response(
    body: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(orjson.dumps(body), status=status, headers=headers, mimetype="application/json")


def error_response(error: ApiError) -> Response:
    body: dict[str, object] = {
        "error": _HTTP_CODES.get(error.status, "error"),
        "message": error.message,
    }
    if error.errors is not None:
        body["errors"] = error.errors
    return json_response(body, error.status, error.headers)


def register_error_handlers(app: Flask, retry_after_s: int) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return error_response(error)

    @app.errorhandler(ValidationError)
    def _validation(error: ValidationError) -> Response:
        return error_response(validation_error(field_errors(error)))

    @app.errorhandler(BackendUnavailable)
    def _unavailable(error: BackendUnavailable) -> Response:
        # The detail (host, port, driver message) goes to the log, not to the caller.
        log.warning("503: %s", error)
        return error_response(
            ApiError(
                503,
                f"{error.system} is unavailable; retry later",
                headers={"Retry-After": str(retry_after_s)},
            )
        )

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        status = error.code or 500
        # Keep werkzeug's headers (Allow on a 405, for instance) but not its HTML body.
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        code = _HTTP_CODES.get(status, (error.name or "error").lower().replace(" ", "_"))
        body = {"error": code, "message": error.description or error.name}
        return json_response(body, status, headers)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unhandled error")
        body = {"error": "internal_error", "message": "internal error; it has been logged"}
        return json_response(body, 500)
