-- Generated from shop_analytics.contracts by `python -m shop_analytics.contracts.export`; do not edit.
CREATE TABLE sellers (
    seller_id UUID PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    email VARCHAR(150),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
