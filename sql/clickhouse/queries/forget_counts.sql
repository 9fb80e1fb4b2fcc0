-- What forgetting a customer will remove: their events (once each, FINAL), their carts, the carts among
-- those that keep other events, and the refused messages whose bytes hold `"ID"` ({needle}).
SELECT
  sum(theirs) AS events_deleted,
  count() AS carts,
  countIf(others > 0) AS carts_refolded,
  (SELECT count() FROM rejected_events WHERE position(payload, {needle:String}) > 0) AS rejected_deleted
FROM (
  SELECT
    cart_id,
    countIf(customer_id = {customer_id:String}) AS theirs,
    countIf(isNull(customer_id) OR customer_id != {customer_id:String}) AS others
  FROM events FINAL
  WHERE cart_id IN (SELECT cart_id FROM events WHERE customer_id = {customer_id:String})
  GROUP BY cart_id
)
