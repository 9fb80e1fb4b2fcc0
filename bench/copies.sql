-- Copies of a simulated bench store's events (attached as `src`) into the bench's larger stores: copies
-- $first_copy to $last_copy, copy k with fresh ids and its times moved back k · $shift_days days (0: every
-- copy in the same days, k copies are k times the carts; 30: a history of as many months of the same shop).
-- Copy 0 is the source as it is. Copy k > 0 suffixes the cart, anonymous, session and order ids with
-- `-xK` and gets event_id = md5(original || '/K'), deterministic so the same source gives the same store.
-- customer_id stays: the simulator's pool of customers is the shop's, and a long history is the same
-- customers coming back (what a customer-keyed rule must read through), not new ones every month.
-- The payload (the event as the producer sent it, which the export returns) gets the same ids and time
-- by one JSON merge patch of its top-level keys, the only place contract v1 puts them: a patch holds the
-- copy's event_id, cart_id and occurred_at, and the anonymous, session and order ids the event has (a
-- NULL id is left out, as a patch's null would delete the key). The patched keys move to the end of the
-- object; the values are the copy's. It replaced six nested replace() over the whole JSON text per row,
-- which cost several times the rest of the copy (docs/scaling.md, "Building the bench stores").
-- Only the source's events with occurred_at in [$from_ms, $to_ms): scaleUp.ts copies a store of copies
-- over the same days one day at a time, every copy of a day in one insert before the next day, so that the
-- store holds its events in time order as one ingested over those days would (row groups, zone maps: a
-- day's export or window then reads about a day of rows, not a slice of every copy). One insert per day
-- and copy was 4 times slower: a day of one copy (33,000 rows) is less than a row group, and such inserts
-- go through the write-ahead log instead of straight to new row groups.
-- Ordered by copy, then time: within a day's insert, copy 0's events, then copy 1's, … (scaleUp.ts runs
-- shifted copies oldest first, one copy per insert). Without it the CROSS JOIN hands the rows over
-- interleaved, each chunk of the source's rows followed by its other copies, so that a block of
-- events.cart_id held ten copies' carts at once: 77 dictionary segments instead of 49 for 10 copies of
-- 100k events, and a cart's events (GET /v1/carts/…, which scans that column) read 1.4–1.7× slower
-- (docs/benchmarks.md, 12-03). A sort a day at a time cost about as much as the unsorted copy at
-- 10 × 100k; a global sort of the copies measured about twice the cost of the copy itself (it carries
-- the payloads).
INSERT INTO events
WITH copied AS (
  SELECT
    e.*,
    c.k,
    CASE WHEN c.k = 0 THEN '' ELSE '-x' || c.k END AS sfx,
    to_days(CAST(c.k * $shift_days AS INTEGER)) AS shift,
    CASE WHEN c.k = 0 THEN e.event_id ELSE CAST(md5(CAST(e.event_id AS VARCHAR) || '/' || c.k) AS UUID) END AS new_id
  FROM src.events AS e
  CROSS JOIN (SELECT range AS k FROM range(CAST($first_copy AS BIGINT), CAST($last_copy AS BIGINT) + 1)) AS c
  WHERE e.occurred_at >= epoch_ms(CAST($from_ms AS BIGINT)) AND e.occurred_at < epoch_ms(CAST($to_ms AS BIGINT))
)
SELECT * EXCLUDE (k, sfx, shift, new_id) REPLACE (
  new_id AS event_id,
  occurred_at - shift AS occurred_at,
  received_at - shift AS received_at,
  cart_id || sfx AS cart_id,
  anonymous_id || sfx AS anonymous_id,
  session_id || sfx AS session_id,
  order_id || sfx AS order_id,
  CASE WHEN k = 0 THEN payload ELSE json_merge_patch(payload, CAST(
    '{"event_id":' || to_json(CAST(new_id AS VARCHAR))
    || ',"occurred_at":' || to_json(strftime(occurred_at - shift, '%Y-%m-%dT%H:%M:%S.%gZ'))
    || ',"cart_id":' || to_json(cart_id || sfx)
    || coalesce(',"anonymous_id":' || to_json(anonymous_id || sfx), '')
    || coalesce(',"session_id":' || to_json(session_id || sfx), '')
    || coalesce(',"order_id":' || to_json(order_id || sfx), '')
    || '}' AS JSON)) END AS payload)
FROM copied
ORDER BY k, occurred_at;
