"""The draft-07 rendering the registry holds judges messages exactly as the exported files do."""

from __future__ import annotations

from typing import Any

import pytest

from shop_analytics.contracts.json_schemas import purchase_json_schema, purchase_schema_validator
from shop_analytics.contracts.registry_schemas import (
    DRAFT_07,
    purchase_registry_schema,
    purchase_registry_validator,
    registry_subjects,
)
from shop_analytics_tests.test_contracts.test_json_schema_agreement import TABLE


@pytest.mark.parametrize(
    ("version", "message", "valid"),
    [(version, msg, valid) for version, _, msg, valid in TABLE],
    ids=[f"{version}-{name}" for version, name, _, _ in TABLE],
)
def test_draft_07_rendering_agrees_with_the_export(
    version: str, message: dict[str, Any], valid: bool
) -> None:
    draft_07 = not list(purchase_registry_validator(version).iter_errors(message))
    draft_2020_12 = not list(purchase_schema_validator(version).iter_errors(message))
    assert draft_07 is draft_2020_12 is valid


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_only_the_dialect_differs(version: str) -> None:
    rendered = purchase_registry_schema(version)
    assert rendered["$schema"] == DRAFT_07
    assert {**rendered, "$schema": None} == {**purchase_json_schema(version), "$schema": None}


def test_subjects_follow_topic_names_and_keep_versions_oldest_first() -> None:
    subjects = {s.name: s for s in registry_subjects("purchases")}
    assert set(subjects) == {"purchases-value", "products-value"}
    assert list(subjects["purchases-value"].versions) == ["v1", "v2"]
    assert subjects["purchases-value"].schema_type == "JSON"
    assert subjects["products-value"].schema_type == "AVRO"
    assert {s.compatibility for s in subjects.values()} == {"BACKWARD"}
