"""What every blueprint needs: the app's backends, ids from the path, and list paging."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from flask import current_app, request
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from api.backends import Backends
from api.errors import ApiError, validation_error
from shop_analytics.contracts import field_errors
from shop_analytics.contracts.field_types import Uuid

EXTENSION_KEY = "shop_analytics_api"
MAX_PAGE = 1000

_UUID: TypeAdapter[UUID] = TypeAdapter(Uuid)


def backends() -> Backends:
    found: Backends = current_app.extensions[EXTENSION_KEY]
    return found


def path_id(name: str, value: str) -> UUID:
    """The id in the path, or a 400 naming the parameter."""
    try:
        return _UUID.validate_python(value)
    except ValidationError as error:
        errors = [{**item, "field": name} for item in field_errors(error)]
        raise validation_error(errors) from None  # type: ignore[arg-type]


class Page(BaseModel):
    """Query parameters of list endpoints."""

    model_config = ConfigDict(extra="ignore")

    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = 100
    offset: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0


def page() -> Page:
    try:
        return Page.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise validation_error(field_errors(error)) from None


def not_found(entity: str, key: UUID) -> ApiError:
    return ApiError(404, f"no {entity} with id {key}")


def listing(items: list[dict[str, Any]], current: Page) -> dict[str, Any]:
    return {"items": items, "limit": current.limit, "offset": current.offset}
