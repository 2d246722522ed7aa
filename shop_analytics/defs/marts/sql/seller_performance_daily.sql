SELECT rp.day AS day, rp.seller_id AS seller_id, coalesce(any(s.name), 'unknown') AS seller_name,
       count() AS orders, sum(rp.quantity) AS units, sum(rp.amount) AS revenue,
       uniqExact(rp.product_id) AS products_sold
FROM range_purchases AS rp
LEFT JOIN seller_latest_names AS s ON rp.seller_id = s.seller_id
GROUP BY rp.day, rp.seller_id
