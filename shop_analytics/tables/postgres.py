"""PostgreSQL tables the platform writes beside the contract's `clients` and `sellers`."""

from __future__ import annotations

from typing import Final

# The batch's per-client results (`defs/batch/writes.py` upserts them).
CLIENT_METRICS_DDL: Final = """
CREATE TABLE client_metrics (
    client_id UUID PRIMARY KEY,
    order_count INTEGER NOT NULL,
    units BIGINT NOT NULL,
    revenue DOUBLE PRECISION NOT NULL,
    first_purchase_at TIMESTAMPTZ NOT NULL,
    last_purchase_at TIMESTAMPTZ NOT NULL,
    recency_days INTEGER NOT NULL,
    lifetime_value DOUBLE PRECISION NOT NULL,
    rfm_score CHAR(3) NOT NULL,
    rfm_segment VARCHAR(20) NOT NULL,
    as_of DATE NOT NULL
)
"""

# The API's answer per entity id, so a resent request gets the first answer
# (`api/purchase_intake.py`).
API_IDEMPOTENCY_DDL: Final = """
CREATE TABLE api_idempotency (
    entity TEXT NOT NULL,
    id UUID NOT NULL,
    body_sha256 BYTEA NOT NULL,
    response JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    published_at TIMESTAMPTZ,
    PRIMARY KEY (entity, id)
)
"""
