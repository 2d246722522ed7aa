"""Verbatim copies of the original spec's schemas and examples (docs/spec.ru.md).

Kept apart from the package on purpose: the tests compare what the models generate against the
spec's own text, so the spec side must not come from the code under test.
"""

from __future__ import annotations

# Section 3: PostgreSQL table `clients`.
CLIENTS_DDL = """
CREATE TABLE clients (
    client_id UUID PRIMARY KEY,
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    email VARCHAR(150),
    address VARCHAR(250),
    registration_date TIMESTAMPTZ
);
"""

# Section 4 (and the request body of section 9): a purchase message.
PURCHASE_MESSAGE = """
{
  "purchase_id": "123e4567-e89b-12d3-a456-426614174000",
  "client_id": "987e6543-e21b-45d3-b123-526714174000",
  "product_id": "543e2198-e89b-12d3-a456-426614174000",
  "quantity": 2,
  "price": 49.99,
  "timestamp": "2025-04-06T12:00:00Z"
}
"""

# Section 5: Avro schema of products.
PRODUCT_AVRO = """
{
  "type": "record",
  "name": "Product",
  "fields": [
    {"name": "product_id", "type": "string"},
    {"name": "name", "type": "string"},
    {"name": "category", "type": "string"},
    {"name": "price", "type": "double"},
    {"name": "available_stock", "type": "int"},
    {"name": "updated_at", "type": {"type": "long", "logicalType": "timestamp-millis"}}
  ]
}
"""

# Section 6: the stage layer's unified record.
PURCHASE_RECORD = """
{
  "client": {
    "client_id": "987e6543-e21b-45d3-b123-526714174000",
    "first_name": "Иван",
    "last_name": "Иванов",
    "email": "ivan@example.com"
  },
  "purchase": {
    "purchase_id": "123e4567-e89b-12d3-a456-426614174000",
    "product_id": "543e2198-e89b-12d3-a456-426614174000",
    "quantity": 2,
    "price": 49.99,
    "timestamp": "2025-04-06T12:00:00Z"
  },
  "product": {
    "product_id": "543e2198-e89b-12d3-a456-426614174000",
    "name": "Смартфон",
    "category": "Электроника",
    "price": 499.99
  }
}
"""

# Section 9: the OpenAPI request schema of POST /api/purchases (its required list and types).
PURCHASE_REQUIRED = ["purchase_id", "client_id", "product_id", "quantity", "price", "timestamp"]
PURCHASE_PROPERTY_TYPES = {
    "purchase_id": ("string", "uuid"),
    "client_id": ("string", "uuid"),
    "product_id": ("string", "uuid"),
    "quantity": ("integer", None),
    "price": ("number", None),
    "timestamp": ("string", "date-time"),
}
