SELECT day, toUInt8(position) AS rank, product_id, name, category, units, revenue FROM (
    SELECT day, product_id, any(name) AS name, any(category) AS category,
           sum(quantity) AS units, sum(amount) AS revenue,
           row_number() OVER (PARTITION BY day ORDER BY revenue DESC, product_id) AS position
    FROM range_purchases
    GROUP BY day, product_id
)
-- Filter on the window's own number: an outer alias `rank` would be the UInt8, which wraps at
-- 256 and would let positions 256-266 back in as 0-10.
WHERE position <= 10
