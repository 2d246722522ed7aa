"""Reading and writing purchase messages (the Kafka topic and the API body) by schema version.

Versions are named like the exported schema files (`purchase.v1.schema.json`). A message's
version travels beside it (a Kafka header, or the API route); a reader that does not know it
uses the latest model, which accepts every older message.
"""

from __future__ import annotations

from typing import Final

from shop_analytics.contracts.purchase import Purchase, PurchaseV2

PURCHASE_MODELS: Final[dict[str, type[Purchase]]] = {"v1": Purchase, "v2": PurchaseV2}
"""Every published purchase schema version and its model, oldest first."""

LATEST_PURCHASE_VERSION: Final = "v2"

# Suggested Kafka header carrying the version a producer wrote (b"v1" / b"v2").
SCHEMA_VERSION_HEADER: Final = "schema-version"


class UnknownSchemaVersion(ValueError):
    """A purchase schema version that was never published."""

    def __init__(self, version: str) -> None:
        known = ", ".join(PURCHASE_MODELS)
        super().__init__(f"unknown purchase schema version {version!r}; known versions: {known}")
        self.version = version


def purchase_model(version: str = LATEST_PURCHASE_VERSION) -> type[Purchase]:
    """The model of purchase schema `version` ("v1" or "v2"); else `UnknownSchemaVersion`."""
    try:
        return PURCHASE_MODELS[version]
    except KeyError:
        raise UnknownSchemaVersion(version) from None


def parse_purchase(payload: bytes | str, version: str = LATEST_PURCHASE_VERSION) -> Purchase:
    """Validate one JSON purchase message, straight from bytes (the fast path: no `json.loads`).

    Returns a `Purchase` (a `PurchaseV2` for "v2"). Raises `pydantic.ValidationError` for a
    bad message (turn it into `{field, reason}` pairs with `field_errors`) and
    `UnknownSchemaVersion` for an unknown version.
    """
    return purchase_model(version).model_validate_json(payload)


def purchase_message(purchase: Purchase) -> bytes:
    """The JSON bytes of `purchase` as a producer should send them.

    An unset `seller_id` is left out rather than written as null, so a v2 purchase without a
    seller is also a valid v1 message and old readers keep working.
    """
    return purchase.model_dump_json(exclude_none=True).encode()
