"""JSON Schema (draft 2020-12) documents of the purchase message, and validators that use them.

The documents are pydantic's schema of each model, cleaned into a standalone file a consumer in
any language can use: `$schema`, `$id`, `version`, no pydantic titles, and `X | None` written as
`"type": [X, "null"]`.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from shop_analytics.contracts.field_types import Timestamp
from shop_analytics.contracts.purchase_messages import purchase_model
from shop_analytics.contracts.schema_files import read_schema_json

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
# A name, not a location: the schemas are served from this repository, not from a web host.
SCHEMA_ID_PREFIX = "urn:shop-analytics:schema:"

# Keyword order inside each property, so the files read the same way every time.
_PROPERTY_KEYWORDS = (
    "type", "format", "exclusiveMinimum", "minimum", "maximum", "minLength", "maxLength",
    "default", "description",
)  # fmt: skip


class _DeclarationOrder(GenerateJsonSchema):
    """Pydantic's generator without its alphabetical sort, so examples keep the spec's order."""

    def sort(self, value: JsonSchemaValue, parent_key: str | None = None) -> JsonSchemaValue:
        return value


def purchase_schema_file(version: str) -> str:
    """The file name of purchase schema `version`, e.g. `purchase.v1.schema.json`."""
    purchase_model(version)  # refuses unknown versions with a clear error
    return f"purchase.{version}.schema.json"


def purchase_json_schema(version: str) -> dict[str, Any]:
    """The JSON Schema document of purchase message `version` ("v1" or "v2"), as exported."""
    schema_id = SCHEMA_ID_PREFIX + purchase_schema_file(version).removesuffix(".schema.json")
    return json_schema_document(
        purchase_model(version), title="Purchase", version=version, schema_id=schema_id
    )


def json_schema_document(
    model: type[BaseModel], *, title: str, version: str, schema_id: str
) -> dict[str, Any]:
    """A clean draft 2020-12 document for a flat contract `model`."""
    raw = model.model_json_schema(schema_generator=_DeclarationOrder)
    if "$defs" in raw:
        raise ValueError(f"{model.__name__} nests other models; only flat models are exported")
    document: dict[str, Any] = {
        "$schema": DRAFT_2020_12,
        "$id": schema_id,
        "title": title,
        "description": raw["description"],
        # Not a JSON Schema keyword (2020-12 keeps unknown keywords as annotations): tells a
        # reader which message version the document describes.
        "version": version,
        "type": "object",
        "properties": {name: _clean_property(prop) for name, prop in raw["properties"].items()},
        "required": raw.get("required", []),
        "additionalProperties": raw.get("additionalProperties", True),
    }
    if "examples" in raw:
        document["examples"] = raw["examples"]
    return document


def _clean_property(prop: dict[str, Any]) -> dict[str, Any]:
    prop = {key: value for key, value in prop.items() if key != "title"}
    options = prop.pop("anyOf", None)
    if options is not None:
        # `X | None`: fold the null option into X's type; "format" applies to strings only, so
        # null stays valid.
        (value,) = (option for option in options if option.get("type") != "null")
        prop = {**value, **prop, "type": [value["type"], "null"]}
    unknown = set(prop) - set(_PROPERTY_KEYWORDS)
    if unknown:
        raise ValueError(f"unexpected JSON Schema keywords {sorted(unknown)} in {prop}")
    return {key: prop[key] for key in _PROPERTY_KEYWORDS if key in prop}


def _check_timestamp(instance: object) -> bool:
    # jsonschema checks "date-time" only when rfc3339-validator is installed; this check is the
    # one the models use, so the schema and the models agree on every timestamp.
    if isinstance(instance, str):
        _TIMESTAMP.validate_python(instance)
    return True


_TIMESTAMP: TypeAdapter[Any] = TypeAdapter(Timestamp)

FORMAT_CHECKER = FormatChecker()
"""jsonschema's format checks (uuid among them) with "date-time" checked as the models check it."""
FORMAT_CHECKER.checks("date-time", raises=ValueError)(_check_timestamp)


def purchase_schema_validator(version: str) -> Draft202012Validator:
    """A jsonschema validator of the checked-in purchase schema `version`, formats enforced."""
    schema = read_schema_json(purchase_schema_file(version))
    return Draft202012Validator(schema, format_checker=FORMAT_CHECKER)
