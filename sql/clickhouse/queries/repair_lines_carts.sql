-- The carts whose kept lines are behind their kept fold (a process stopped between refold_carts and
-- refold_lines, or a store from before cart_line_folds): a fold with lines and no line row of as many
-- events. Tombstones carry the version of the fold that wrote them, so they count.
SELECT f.cart_id AS cart_id
FROM (SELECT cart_id, events FROM cart_folds FINAL WHERE notEmpty(line_product_id)) AS f
LEFT JOIN (SELECT cart_id, max(events) AS events FROM cart_line_folds GROUP BY cart_id) AS l ON l.cart_id = f.cart_id
WHERE l.events != f.events
SETTINGS join_use_nulls = 0
