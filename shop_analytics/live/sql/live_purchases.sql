-- The fact's purchases of today (UTC, from midnight up to %(now)s) and of the hour up to
-- %(now)s: one row per purchase and span it falls in (a purchase of the last hour is in both),
-- with a decimal amount, and the product's name and category from the batch's newest product
-- snapshot. FINAL: the fact is a ReplacingMergeTree by purchase_id, and a purchase a replay
-- delivered twice must count once; the filter applies to the collapsed rows.
live_purchases AS (
    SELECT p.span AS span, p.product_id AS product_id, p.quantity AS quantity,
           round(toDecimal128(p.quantity * p.price, 8), 4) AS amount,
           coalesce(d.name, toString(p.product_id)) AS name,
           coalesce(d.category, 'unknown') AS category
    FROM (
        SELECT product_id, quantity, price, span
        FROM (SELECT product_id, quantity, price, timestamp FROM purchases FINAL
              WHERE timestamp >= least(toStartOfDay(toDateTime64(%(now)s, 3, 'UTC')),
                                       toDateTime64(%(now)s, 3, 'UTC') - INTERVAL 1 HOUR)
                AND timestamp <= toDateTime64(%(now)s, 3, 'UTC'))
        ARRAY JOIN arrayFilter(x -> x != '', [
            if(timestamp >= toStartOfDay(toDateTime64(%(now)s, 3, 'UTC')), 'today', ''),
            if(timestamp >= toDateTime64(%(now)s, 3, 'UTC') - INTERVAL 1 HOUR, 'last_hour', '')
        ]) AS span
    ) AS p
    LEFT JOIN ({product_names}) AS d ON p.product_id = d.product_id
)
