-- 'new': the day is the client's first purchase day in the fact; 'returning': an earlier one.
SELECT rp.day AS day, if(rp.day = c.days[1], 'new', 'returning') AS customer_type,
       uniqExact(rp.client_id) AS clients, count() AS orders, sum(rp.quantity) AS units,
       sum(rp.amount) AS revenue
FROM range_purchases AS rp
INNER JOIN client_days AS c ON rp.client_id = c.client_id
GROUP BY day, customer_type
