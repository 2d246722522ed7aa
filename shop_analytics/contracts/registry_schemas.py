"""What the schema registry holds: each subject, its schema versions (oldest first) and its rule.

The exported purchase documents stay draft 2020-12 (the OpenAPI 3.1 document and every jsonschema
validator in the project use that dialect). The registry copy is the same document declared as
draft-07: Apicurio's compatibility checker cannot place 2020-12 documents ("could not determine
version") and would refuse every new version. Nothing in these documents differs between the two
drafts (numeric ``exclusiveMinimum``, ``$id``, ``examples`` and type lists are all draft-06+), and
a test runs the contract's good and bad messages through a draft-07 validator of this rendering.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final, Literal

from jsonschema import Draft7Validator

from shop_analytics.contracts.avro_schemas import PRODUCT_MODELS, product_avro_schema
from shop_analytics.contracts.json_schemas import FORMAT_CHECKER, purchase_json_schema
from shop_analytics.contracts.purchase_messages import PURCHASE_MODELS

DRAFT_07: Final = "http://json-schema.org/draft-07/schema#"

# BACKWARD: a consumer on the newest schema reads every message still in the topic, so the
# ingestor can move to a new version before the producers do. Fields may be added only with a
# default (v2's optional seller_id); removing a required field or changing a type is refused.
# Not BACKWARD_TRANSITIVE: with two versions it checks the same pair; revisit with a third.
COMPATIBILITY: Final = "BACKWARD"

SchemaType = Literal["JSON", "AVRO"]


@dataclass(frozen=True)
class Subject:
    name: str
    schema_type: SchemaType
    versions: dict[str, str]  # contract version -> schema text as registered, oldest first
    compatibility: str = COMPATIBILITY


def value_subject(topic: str) -> str:
    """Confluent's TopicNameStrategy: what the serializers register a topic's values under."""
    return f"{topic}-value"


def purchase_registry_schema(version: str) -> dict[str, Any]:
    """Purchase schema `version` as the registry holds it: the export, declared draft-07."""
    return {**purchase_json_schema(version), "$schema": DRAFT_07}


def purchase_registry_validator(version: str) -> Draft7Validator:
    return Draft7Validator(purchase_registry_schema(version), format_checker=FORMAT_CHECKER)


def purchase_subject(purchases_topic: str) -> Subject:
    """The purchase schemas under the purchases topic's value subject."""
    return Subject(
        value_subject(purchases_topic),
        "JSON",
        {v: _text(purchase_registry_schema(v)) for v in PURCHASE_MODELS},
    )


def registry_subjects(purchases_topic: str) -> list[Subject]:
    """Every subject the project registers. Products travel on no topic (they are MERGEd into
    Delta), so their subject is named as a `products` topic's would be, ready for one."""
    return [
        purchase_subject(purchases_topic),
        Subject(
            value_subject("products"),
            "AVRO",
            {v: _text(product_avro_schema(v)) for v in PRODUCT_MODELS},
        ),
    ]


def _text(schema: dict[str, Any]) -> str:
    # Compact and key-order stable: the registry compares texts to find an existing version.
    return json.dumps(schema, separators=(",", ":"))
