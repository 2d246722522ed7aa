SELECT day, seller_id, seller_name, product_id, product_name, category, orders, units, revenue,
       revenue / sum(revenue) OVER (PARTITION BY day, seller_id) AS share_of_seller_revenue
FROM (
    SELECT rp.day AS day, rp.seller_id AS seller_id,
           coalesce(any(s.name), 'unknown') AS seller_name, rp.product_id AS product_id,
           any(rp.name) AS product_name, any(rp.category) AS category, count() AS orders,
           sum(rp.quantity) AS units, sum(rp.amount) AS revenue
    FROM range_purchases AS rp
    LEFT JOIN seller_latest_names AS s ON rp.seller_id = s.seller_id
    GROUP BY rp.day, rp.seller_id, rp.product_id
)
