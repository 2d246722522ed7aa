-- Cumulative up to each day with sales: a client counts as a customer from the first purchase
-- day and as a repeat customer from the second distinct one.
SELECT day, customers, repeat_customers,
       if(customers = 0, 0, repeat_customers / customers) AS repeat_purchase_rate
FROM (
    SELECT day, sum(new) OVER (ORDER BY day) AS customers,
           sum(repeated) OVER (ORDER BY day) AS repeat_customers
    FROM (
        SELECT day, sum(new) AS new, sum(repeated) AS repeated FROM (
            SELECT days[1] AS day, toUInt64(1) AS new, toUInt64(0) AS repeated FROM client_days
            UNION ALL
            SELECT days[2], 0, 1 FROM client_days WHERE length(days) > 1
            UNION ALL
            SELECT DISTINCT day, 0, 0 FROM range_purchases
        )
        GROUP BY day
    )
)
WHERE day IN (SELECT day FROM range_purchases)
