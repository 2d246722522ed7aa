SELECT day, count() AS orders, sum(quantity) AS units, sum(amount) AS revenue,
       uniqExact(client_id) AS clients, if(orders = 0, 0, revenue / orders) AS avg_order_value
FROM range_purchases
GROUP BY day
