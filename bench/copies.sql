-- One copy of a simulated bench store's events (attached as `src`) into the bench's larger stores:
-- copy $copy, with fresh ids and its times moved back $copy · $shift_days days (0: every copy in the same
-- days, k copies are k times the carts; 30: a history of as many months of the same shop).
-- Copy 0 is the source as it is. Copy k > 0 suffixes the cart, anonymous, session and order ids with
-- `-xK` and gets event_id = md5(original || '/K'), deterministic so the same source gives the same store.
-- customer_id stays: the simulator's pool of customers is the shop's, and a long history is the same
-- customers coming back (what a customer-keyed rule must read through), not new ones every month.
-- The payload (the event as the producer sent it, which the export returns) gets the same ids and time:
-- each value is replaced as a whole JSON string ("id"), so one id never rewrites part of another; a NULL
-- id searches for a string no payload holds.
-- No ORDER BY: the rows go in in the source's order (preserve_insertion_order), which is time order as
-- the simulation was ingested, and scaleUp.ts runs the copies oldest first, so the store is laid out as
-- one ingested over those days (row groups, zone maps). A global sort of the copies measured about twice
-- the cost of the copy itself (it carries the rewritten payloads).
INSERT INTO events
WITH copied AS (
  SELECT
    e.*,
    CAST($copy AS BIGINT) AS k,
    CASE WHEN $copy = 0 THEN '' ELSE '-x' || CAST($copy AS BIGINT) END AS sfx,
    to_days(CAST($copy * $shift_days AS INTEGER)) AS shift,
    CASE WHEN $copy = 0 THEN e.event_id ELSE CAST(md5(CAST(e.event_id AS VARCHAR) || '/' || CAST($copy AS BIGINT)) AS UUID) END AS new_id
  FROM src.events AS e
)
SELECT * EXCLUDE (k, sfx, shift, new_id) REPLACE (
  new_id AS event_id,
  occurred_at - shift AS occurred_at,
  received_at - shift AS received_at,
  cart_id || sfx AS cart_id,
  anonymous_id || sfx AS anonymous_id,
  session_id || sfx AS session_id,
  order_id || sfx AS order_id,
  CASE WHEN k = 0 THEN payload ELSE CAST(
    replace(replace(replace(replace(replace(replace(CAST(payload AS VARCHAR),
      '"' || CAST(event_id AS VARCHAR) || '"', '"' || CAST(new_id AS VARCHAR) || '"'),
      '"' || cart_id || '"', '"' || cart_id || sfx || '"'),
      '"' || coalesce(anonymous_id, '(none)') || '"', '"' || coalesce(anonymous_id, '(none)') || sfx || '"'),
      '"' || coalesce(session_id, '(none)') || '"', '"' || coalesce(session_id, '(none)') || sfx || '"'),
      '"' || coalesce(order_id, '(none)') || '"', '"' || coalesce(order_id, '(none)') || sfx || '"'),
      '"' || strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ') || '"', '"' || strftime(occurred_at - shift, '%Y-%m-%dT%H:%M:%S.%gZ') || '"')
    AS JSON) END AS payload)
FROM copied;
