-- Carts and lines kept in the read models (tombstones hidden by FINAL).
SELECT
  (SELECT count() FROM cart_folds FINAL) AS carts,
  (SELECT count() FROM cart_line_folds FINAL) AS lines
