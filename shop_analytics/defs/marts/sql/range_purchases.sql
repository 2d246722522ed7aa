-- The fact's purchases of the UTC days %(first)s..%(last)s, each with its day and a decimal
-- amount, and the product's name, category and seller from the newest product snapshot.
-- FINAL: the fact is a ReplacingMergeTree, and a purchase delivered twice must count once.
range_purchases AS (
    SELECT toDate(p.timestamp, 'UTC') AS day,
           p.purchase_id, p.client_id, p.product_id, p.quantity,
           round(toDecimal128(p.quantity * p.price, 8), 4) AS amount,
           coalesce(p.seller_id, d.seller_id) AS seller_id,
           coalesce(d.name, 'unknown') AS name,
           coalesce(d.category, 'unknown') AS category
    FROM (SELECT * FROM purchases FINAL
          WHERE timestamp >= toDateTime64(%(first)s, 3, 'UTC')
            AND timestamp < toDateTime64(%(last)s, 3, 'UTC') + INTERVAL 1 DAY) AS p
    LEFT JOIN (
        SELECT product_id, argMax(name, as_of) AS name, argMax(category, as_of) AS category,
               argMax(seller_id, as_of) AS seller_id
        FROM product_metrics GROUP BY product_id
    ) AS d ON p.product_id = d.product_id
)
,
-- Every client's distinct purchase days (UTC, ascending) up to %(last)s, over the whole fact:
-- whether a client is new, a repeat buyer or in which monthly cohort depends on all earlier days.
client_days AS (
    SELECT client_id, arraySort(groupUniqArray(toDate(timestamp, 'UTC'))) AS days
    FROM purchases FINAL
    WHERE timestamp < toDateTime64(%(last)s, 3, 'UTC') + INTERVAL 1 DAY
    GROUP BY client_id
),
-- Each seller's newest name copied from PostgreSQL.
seller_latest_names AS (
    SELECT seller_id, argMax(name, as_of) AS name FROM seller_names GROUP BY seller_id
)
