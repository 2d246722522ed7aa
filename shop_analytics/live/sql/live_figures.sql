-- Each span's totals, top products and top categories from one pass over live_purchases (one
-- FINAL read of the fact): every purchase is counted once per kind of figure.
SELECT span, kind, key, product_name, product_category, orders, units, revenue FROM (
    SELECT span, kind,
           multiIf(kind = 'product', toString(product_id), kind = 'category', category, '')
               AS key,
           any(name) AS product_name, any(category) AS product_category,
           count() AS orders, sum(quantity) AS units, sum(amount) AS revenue,
           row_number() OVER (PARTITION BY span, kind ORDER BY revenue DESC, key) AS position
    FROM live_purchases
    ARRAY JOIN ['total', 'product', 'category'] AS kind
    GROUP BY span, kind, key
)
WHERE position <= %(top)s
ORDER BY span, kind, position
