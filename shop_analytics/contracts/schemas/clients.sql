-- Generated from shop_analytics.contracts by `python -m shop_analytics.contracts.export`; do not edit.
CREATE TABLE clients (
    client_id UUID PRIMARY KEY,
    first_name VARCHAR(100),
    last_name VARCHAR(100),
    email VARCHAR(150),
    address VARCHAR(250),
    registration_date TIMESTAMPTZ
);
