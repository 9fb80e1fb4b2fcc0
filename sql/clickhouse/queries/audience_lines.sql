-- The lines (quantity > 0) of the given carts as of as_of; cart_ids is a JSON array of strings.
-- The cart filter reaches the events scan (cart_id leads the sorting key), so only those carts are folded.
SELECT cart_id, product_id, product_name, category, quantity, unit_price_minor
FROM cart_lines_asof(as_of_ms = {as_of_ms:Int64})
WHERE cart_id IN (SELECT arrayJoin(JSONExtract({cart_ids:String}, 'Array(String)')))
  AND quantity > 0
ORDER BY cart_id, product_id;
