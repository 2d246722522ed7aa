"""The local registry holds the contracts' subjects and refuses an incompatible version."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from shop_analytics.cli import main
from shop_analytics.contracts.registry_schemas import (
    Subject,
    purchase_registry_schema,
    registry_subjects,
)
from shop_analytics.schema_registry import subjects as subjects_module
from shop_analytics.schema_registry.client import registry_client
from shop_analytics.settings import Settings

# A subject of its own, so that the refused change never touches `purchases-value`.
TRIAL_SUBJECT = "compatibility-trial-value"


def test_up_registered_every_subject_with_its_rule(stack: Settings) -> None:
    client = registry_client(stack)
    for subject in registry_subjects(stack.purchases_topic):
        assert len(client.get_versions(subject.name)) == len(subject.versions)
        assert client.get_compatibility(subject.name) == "BACKWARD"
    # Registering again changes nothing (the same texts find their versions).
    assert subjects_module.provision_subjects(stack) == subjects_module.provision_subjects(stack)


def _v3(change: str) -> str:
    schema = purchase_registry_schema("v2")
    if change == "quantity as text":
        schema["properties"]["quantity"] = {"type": "string"}
    else:  # a required field removed: old messages carry it, and no other field is allowed
        del schema["properties"]["price"]
        schema["required"].remove("price")
    return json.dumps(schema)


@pytest.mark.parametrize("change", ["quantity as text", "price removed"])
def test_an_incompatible_version_is_refused_in_one_line(
    stack: Settings, change: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (purchases, *_) = registry_subjects(stack.purchases_topic)
    trial = Subject(TRIAL_SUBJECT, "JSON", {**purchases.versions, "v3": _v3(change)})
    monkeypatch.setattr(subjects_module, "registry_subjects", lambda topic: [trial])

    result = CliRunner().invoke(main, ["register-schemas"])

    assert result.exit_code == 1
    (line,) = result.output.strip().splitlines()
    assert line.startswith(
        f"error: schema registry refused {TRIAL_SUBJECT} v3 as not BACKWARD compatible"
    ), line
    assert len(registry_client(stack).get_versions(TRIAL_SUBJECT)) == 2
