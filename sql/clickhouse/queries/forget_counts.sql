-- What forgetting a customer will remove: their events (once each, FINAL), their carts, the carts among
-- those that keep other events, and the refused messages whose bytes hold `"ID"` ({needle}). By
-- customer_id or by anonymous_id (the other parameter is NULL and matches nothing).
SELECT
  sum(theirs) AS events_deleted,
  count() AS carts,
  countIf(others > 0) AS carts_refolded,
  (SELECT count() FROM rejected_events WHERE position(payload, {needle:String}) > 0) AS rejected_deleted
FROM (
  SELECT
    cart_id,
    countIf((ifNull(customer_id = {customer_id:Nullable(String)}, 0) OR ifNull(anonymous_id = {anonymous_id:Nullable(String)}, 0))) AS theirs,
    countIf(NOT (ifNull(customer_id = {customer_id:Nullable(String)}, 0) OR ifNull(anonymous_id = {anonymous_id:Nullable(String)}, 0))) AS others
  FROM events FINAL
  WHERE cart_id IN (SELECT cart_id FROM events WHERE (ifNull(customer_id = {customer_id:Nullable(String)}, 0) OR ifNull(anonymous_id = {anonymous_id:Nullable(String)}, 0)))
  GROUP BY cart_id
)
