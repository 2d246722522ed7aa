-- Generated from shop_analytics.contracts by `python -m shop_analytics.contracts.export`; do not edit.
CREATE TABLE purchases
(
    purchase_id UUID,
    client_id UUID,
    product_id UUID,
    quantity Int32,
    price Float64,
    timestamp DateTime64(3, 'UTC'),
    seller_id Nullable(UUID),
    _partition Int32,
    _offset Int64,
    _ingested_at DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(_ingested_at)
ORDER BY purchase_id
SETTINGS non_replicated_deduplication_window = 1000;
