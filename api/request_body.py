"""Reading a write request: content type, size, then the contract model (auth is `api.auth`)."""

from __future__ import annotations

from typing import TypeVar

from flask import current_app, request
from pydantic import BaseModel, ValidationError

from api.body_reading import BODY_READER_KEY, BodyReader
from api.errors import ApiError, validation_error
from api.json_keys import repeated_key
from shop_analytics.contracts import FieldError, field_errors

M = TypeVar("M", bound=BaseModel)


def json_body() -> bytes:
    """The raw body of a JSON request; 415 for another media type, 413 past the size limit."""
    mimetype = request.mimetype
    if mimetype != "application/json" and not mimetype.endswith("+json"):
        raise ApiError(
            415,
            f"the body must be JSON (Content-Type: application/json), not {mimetype or 'none'}",
        )
    reader: BodyReader = current_app.extensions[BODY_READER_KEY]
    raw = reader.read(request.environ["wsgi.input"], request.content_length)
    key = repeated_key(raw)
    if key is not None:
        reason = f"The key {key!r} appears twice in one object; send each key once"
        raise validation_error([FieldError(field=key, reason=reason)])
    return raw


def parse_body(model: type[M]) -> M:
    """The request body validated by `model` (unknown fields refused); 400 lists each bad field."""
    try:
        return model.model_validate_json(json_body())
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None


def reject_nul_text(values: dict[str, object]) -> None:
    """400 for text PostgreSQL cannot store (it refuses the NUL character in any text column)."""
    errors = nul_text_errors(values)
    if errors:
        raise validation_error(errors)


def nul_text_errors(values: dict[str, object], prefix: str = "") -> list[FieldError]:
    """The fields of `values` holding a NUL character, named `<prefix><field>`."""
    return [
        FieldError(field=prefix + name, reason="Text must not contain the NUL character (\\u0000)")
        for name, value in values.items()
        if isinstance(value, str) and "\x00" in value
    ]
