"""A flat description of a model's fields, read from the model itself, for the schema exporters.

Avro, PostgreSQL and ClickHouse renderers all need the same few facts per field: its name and
order, its kind (uuid, timestamp, string, integer, number), whether it may be null and how long a
string may be. They read them here, from pydantic's own JSON Schema of the model, so a change to a
model reaches every exported schema and none of them keeps a field list of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

FieldKind = Literal["uuid", "timestamp", "string", "integer", "number"]
_PLAIN_KINDS: dict[str, FieldKind] = {"string": "string", "integer": "integer", "number": "number"}


@dataclass(frozen=True)
class FieldSpec:
    """What the exporters know about one field."""

    name: str
    kind: FieldKind
    nullable: bool
    required: bool
    max_length: int | None
    description: str | None


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """The fields of `model` in declaration order (which is the column order of every export)."""
    schema = model.model_json_schema()
    required = set(schema.get("required", ()))
    return [
        _field_spec(name, prop, name in required) for name, prop in schema["properties"].items()
    ]


def _field_spec(name: str, prop: dict[str, Any], required: bool) -> FieldSpec:
    value, nullable = _strip_null(prop)
    return FieldSpec(
        name=name,
        kind=_kind(name, value),
        nullable=nullable,
        required=required,
        max_length=value.get("maxLength"),
        description=prop.get("description"),
    )


def _strip_null(prop: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """`X | None` appears as `anyOf: [X, {"type": "null"}]`: return X and whether null was in."""
    options = prop.get("anyOf")
    if options is None:
        return prop, False
    values = [option for option in options if option.get("type") != "null"]
    if len(values) != 1:
        raise TypeError(f"unions other than X | None have no column type: {prop}")
    return values[0], len(values) < len(options)


def _kind(name: str, value: dict[str, Any]) -> FieldKind:
    json_type, json_format = value.get("type"), value.get("format")
    if json_type == "string" and json_format == "uuid":
        return "uuid"
    if json_type == "string" and json_format == "date-time":
        return "timestamp"
    if json_format is None and json_type in _PLAIN_KINDS:
        return _PLAIN_KINDS[json_type]
    raise TypeError(f"field {name!r} has no column type for JSON Schema {value}")
