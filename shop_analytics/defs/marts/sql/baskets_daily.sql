-- A basket is one client's purchases of one UTC day: a purchase message carries one product, so
-- what a client buys together shows only across the day's purchases.
SELECT day, count() AS baskets, sum(basket_revenue) AS revenue, revenue / baskets,
       avg(basket_units), avg(basket_products)
FROM (
    SELECT day, client_id, sum(amount) AS basket_revenue, sum(quantity) AS basket_units,
           uniqExact(product_id) AS basket_products
    FROM range_purchases
    GROUP BY day, client_id
)
GROUP BY day
