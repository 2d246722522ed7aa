"""The exported JSON Schemas and the pydantic models accept and refuse the same messages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from shop_analytics.contracts import purchase_model
from shop_analytics.contracts.json_schemas import FORMAT_CHECKER, purchase_schema_validator
from shop_analytics_tests.test_contracts.cases import BAD, GOOD_V1, GOOD_V2_ONLY, OUT_OF_BOUNDS

# The time bounds are beyond what JSON Schema states (see test_time_bounds_are_the_models_own).
_SCHEMA_BAD = {name: case for name, case in BAD.items() if case[0] not in OUT_OF_BOUNDS.values()}

TABLE: list[tuple[str, str, dict[str, Any], bool]] = [
    *((version, name, msg, True) for version in ("v1", "v2") for name, msg in GOOD_V1.items()),
    *(("v2", name, msg, True) for name, msg in GOOD_V2_ONLY.items()),
    *(("v1", name, msg, False) for name, msg in GOOD_V2_ONLY.items()),
    *(
        (version, name, msg, False)
        for version in ("v1", "v2")
        for name, (msg, _) in _SCHEMA_BAD.items()
    ),
]


@pytest.mark.parametrize(
    ("version", "message", "valid"),
    [(version, msg, valid) for version, _, msg, valid in TABLE],
    ids=[f"{version}-{name}" for version, name, _, _ in TABLE],
)
def test_json_schema_agrees_with_model(version: str, message: dict[str, Any], valid: bool) -> None:
    schema_errors = [
        error.message for error in purchase_schema_validator(version).iter_errors(message)
    ]
    model = purchase_model(version)
    verdicts = {
        "json schema": not schema_errors,
        "model from json": _accepts(lambda: model.model_validate_json(orjson.dumps(message))),
        "model from python": _accepts(lambda: model.model_validate(message)),
    }
    assert verdicts == dict.fromkeys(verdicts, valid), schema_errors


def _accepts(validate: Callable[[], object]) -> bool:
    try:
        validate()
    except ValidationError:
        return False
    return True


def test_format_checker_checks_both_formats() -> None:
    # Without these checks a JSON Schema validator would accept any string as a uuid/date-time.
    assert FORMAT_CHECKER.conforms("2025-04-06T12:00:00Z", "date-time")
    assert not FORMAT_CHECKER.conforms("2025-04-06", "date-time")
    assert FORMAT_CHECKER.conforms("123e4567-e89b-12d3-a456-426614174000", "uuid")
    assert not FORMAT_CHECKER.conforms("123e4567e89b12d3a456426614174000", "uuid")


@pytest.mark.parametrize("name", sorted(OUT_OF_BOUNDS))
def test_time_bounds_are_the_models_own(name: str) -> None:
    # The exported schema says "date-time" (and the bounds in words); the model refuses.
    message = OUT_OF_BOUNDS[name]
    assert not list(purchase_schema_validator("v2").iter_errors(message))
    assert not _accepts(lambda: purchase_model("v2").model_validate(message))
