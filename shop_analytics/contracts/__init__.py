"""The contract: one pydantic model per entity, the single source of every schema in the project.

Models (unknown fields are rejected everywhere):

* `Client`, `ClientSummary` - PostgreSQL `clients` (spec section 3)
* `Product`, `ProductV2`, `ProductSummary` - Delta `products`, Avro of spec section 5
* `Purchase` (v1), `PurchaseV2`, `PurchaseSummary` - Kafka message / API body (sections 4, 9)
* `SellerWrite`, `Seller` - PostgreSQL `sellers` (our decision; the spec gives no fields)
* `PurchaseRecord` - the stage layer's unified record (section 6)

Messages and errors: `parse_purchase`, `purchase_model`, `purchase_message`, `field_errors`,
`describe_errors`. Exported schemas: `json_schemas`, `avro_schemas`, `postgres_ddl`,
`clickhouse_ddl`, the files in `schemas/`, rewritten by `python -m shop_analytics.contracts.export`.
"""

from shop_analytics.contracts.client import Client, ClientSummary
from shop_analytics.contracts.product import Product, ProductSummary, ProductV2
from shop_analytics.contracts.purchase import Purchase, PurchaseSummary, PurchaseV2
from shop_analytics.contracts.purchase_messages import (
    LATEST_PURCHASE_VERSION,
    PURCHASE_MODELS,
    SCHEMA_VERSION_HEADER,
    UnknownSchemaVersion,
    parse_purchase,
    purchase_message,
    purchase_model,
)
from shop_analytics.contracts.purchase_record import PurchaseRecord
from shop_analytics.contracts.seller import Seller, SellerWrite
from shop_analytics.contracts.validation_errors import FieldError, describe_errors, field_errors

__all__ = [
    "LATEST_PURCHASE_VERSION",
    "PURCHASE_MODELS",
    "SCHEMA_VERSION_HEADER",
    "Client",
    "ClientSummary",
    "FieldError",
    "Product",
    "ProductSummary",
    "ProductV2",
    "Purchase",
    "PurchaseRecord",
    "PurchaseSummary",
    "PurchaseV2",
    "Seller",
    "SellerWrite",
    "UnknownSchemaVersion",
    "describe_errors",
    "field_errors",
    "parse_purchase",
    "purchase_message",
    "purchase_model",
]
