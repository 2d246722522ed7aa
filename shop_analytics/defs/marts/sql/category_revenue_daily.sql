SELECT day, category, count() AS orders, sum(quantity) AS units, sum(amount) AS revenue
FROM range_purchases
GROUP BY day, category
