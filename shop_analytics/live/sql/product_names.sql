SELECT product_id, argMax(name, as_of) AS name, argMax(category, as_of) AS category
FROM product_metrics GROUP BY product_id
