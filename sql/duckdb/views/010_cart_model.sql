-- The cart model: replay of every cart as of an instant, in SQL. docs/metrics.md defines each column;
-- projections/replay.ts is the same fold written as a pure function, and a parity test holds them equal.
-- Times are epoch milliseconds (UTC) throughout, so that every engine computes the same integers.

-- Every event with occurred_at <= as_of, numbered in its cart's order: by sequence when every event of
-- the cart has one, otherwise by occurred_at; event_id (as text) breaks ties.
CREATE OR REPLACE MACRO cart_events_asof(as_of_ms) AS TABLE
WITH visible AS (
  SELECT e.*, e.event_id::VARCHAR AS eid, epoch_ms(e.occurred_at) AS t
  FROM events e
  WHERE e.occurred_at <= epoch_ms(CAST(as_of_ms AS BIGINT))
),
flagged AS (
  SELECT *, bool_and(sequence IS NOT NULL) OVER (PARTITION BY cart_id) AS by_sequence FROM visible
)
SELECT *,
  row_number() OVER (PARTITION BY cart_id ORDER BY CASE WHEN by_sequence THEN sequence END, t, eid) AS ord
FROM flagged;

-- The fold. A line is (cart, product). Its quantity after an event is the base set by its latest reset
-- (a removal sets 0, a quantity change sets to_quantity) plus every unit added since. Events that do not
-- fit (removing a product not in the cart, a change from the wrong quantity) are applied as far as they
-- can be and flagged as anomalies. lines_held is the number of lines with quantity > 0 after the event.
CREATE OR REPLACE MACRO cart_replay_asof(as_of_ms) AS TABLE
WITH grouped AS (
  SELECT *,
    sum(CASE WHEN type IN ('cart.item_removed', 'cart.item_quantity_changed') THEN 1 ELSE 0 END)
      OVER (PARTITION BY cart_id, product_id ORDER BY ord ROWS UNBOUNDED PRECEDING) AS reset_group
  FROM cart_events_asof(as_of_ms)
),
folded AS (
  SELECT *,
    CASE WHEN product_id IS NULL THEN NULL ELSE
      coalesce(max(CASE WHEN type = 'cart.item_quantity_changed' THEN to_quantity
                        WHEN type = 'cart.item_removed' THEN 0 END)
                 OVER (PARTITION BY cart_id, product_id, reset_group), 0)
      + sum(CASE WHEN type = 'cart.item_added' THEN quantity ELSE 0 END)
          OVER (PARTITION BY cart_id, product_id, reset_group ORDER BY ord ROWS UNBOUNDED PRECEDING)
    END AS qty_after
  FROM grouped
),
with_before AS (
  SELECT *,
    CASE WHEN product_id IS NULL THEN NULL ELSE
      coalesce(lag(qty_after) OVER (PARTITION BY cart_id, product_id ORDER BY ord), 0)
    END AS qty_before
  FROM folded
)
SELECT *,
  (type = 'cart.item_removed' AND qty_before = 0)
    OR (type = 'cart.item_quantity_changed' AND from_quantity <> qty_before) AS anomaly,
  sum(CASE WHEN product_id IS NULL THEN 0
           ELSE (CASE WHEN qty_after > 0 THEN 1 ELSE 0 END) - (CASE WHEN qty_before > 0 THEN 1 ELSE 0 END) END)
    OVER (PARTITION BY cart_id ORDER BY ord ROWS UNBOUNDED PRECEDING) AS lines_held
FROM with_before;

-- Each line's state as of the instant: its quantity and unit price after its last event (the price of
-- its latest add or quantity change), when it was first added, removed and re-added.
CREATE OR REPLACE MACRO cart_lines_asof(as_of_ms) AS TABLE
SELECT
  cart_id,
  product_id,
  arg_max(qty_after, ord) AS quantity,
  arg_max(unit_price_minor, ord) FILTER (WHERE type <> 'cart.item_removed') AS unit_price_minor,
  arg_max(product_name, ord) FILTER (WHERE product_name IS NOT NULL) AS product_name,
  arg_max(category, ord) FILTER (WHERE category IS NOT NULL) AS category,
  min(t) FILTER (WHERE type = 'cart.item_added') AS first_added_at,
  arg_min(quantity, ord) FILTER (WHERE type = 'cart.item_added') AS first_added_quantity,
  min(ord) FILTER (WHERE type = 'cart.item_added') AS first_added_ord,
  min(t) FILTER (WHERE type = 'cart.item_removed' AND qty_before > 0) AS first_removed_at,
  min(ord) FILTER (WHERE type = 'cart.item_removed' AND qty_before > 0) AS first_removed_ord,
  count(*) FILTER (WHERE type = 'cart.item_removed' AND qty_before > 0) AS removals,
  coalesce(sum(qty_before) FILTER (WHERE type = 'cart.item_removed'), 0) AS units_removed,
  coalesce(sum(quantity) FILTER (WHERE type = 'cart.item_added'), 0) AS units_added,
  count(*) FILTER (WHERE type = 'cart.item_quantity_changed' AND to_quantity > qty_before) AS increases,
  count(*) FILTER (WHERE type = 'cart.item_quantity_changed' AND to_quantity < qty_before) AS decreases
FROM cart_replay_asof(as_of_ms)
WHERE product_id IS NOT NULL
GROUP BY cart_id, product_id;

-- One row per cart as of the instant, with its status. abandon_ms is the inactivity that makes a cart
-- holding items abandoned.
CREATE OR REPLACE MACRO cart_state_asof(as_of_ms, abandon_ms) AS TABLE
WITH r AS (
  SELECT *, lead(t) OVER (PARTITION BY cart_id ORDER BY ord) AS next_t FROM cart_replay_asof(as_of_ms)
),
per_cart AS (
  SELECT
    cart_id,
    min(t) FILTER (WHERE type = 'cart.item_added') AS started_at,
    max(t) AS last_activity_at,
    min(t) FILTER (WHERE type = 'cart.checkout_started') AS checkout_started_at,
    min(t) FILTER (WHERE type = 'order.placed') AS ordered_at,
    min(ord) FILTER (WHERE type = 'order.placed') AS order_ord,
    arg_min(channel, ord) AS channel,
    arg_min(campaign_name, ord) FILTER (WHERE campaign_name IS NOT NULL) AS campaign,
    arg_max(currency, ord) AS currency,
    arg_max(customer_id, ord) FILTER (WHERE customer_id IS NOT NULL) AS customer_id,
    arg_max(anonymous_id, ord) FILTER (WHERE anonymous_id IS NOT NULL) AS anonymous_id,
    arg_max(consent_marketing, ord) FILTER (WHERE consent_marketing IS NOT NULL) AS consent_marketing,
    count(*) FILTER (WHERE anomaly) AS anomalies,
    count(*) AS events,
    arg_max(lines_held, ord) AS items
  FROM r
  GROUP BY cart_id
),
gaps AS (
  -- A gap of at least abandon_ms while holding items, before the order: the cart was abandoned, then came back.
  SELECT r.cart_id, bool_or(r.lines_held > 0 AND r.next_t - r.t >= CAST(abandon_ms AS BIGINT)) AS recovered
  FROM r JOIN per_cart p ON p.cart_id = r.cart_id
  WHERE p.order_ord IS NOT NULL AND r.ord < p.order_ord
  GROUP BY r.cart_id
),
lines AS (
  SELECT cart_id,
    coalesce(sum(quantity) FILTER (WHERE quantity > 0), 0) AS units,
    coalesce(sum(quantity * unit_price_minor) FILTER (WHERE quantity > 0), 0) AS value_minor
  FROM cart_lines_asof(as_of_ms)
  GROUP BY cart_id
),
classified AS (
  SELECT p.*,
    coalesce(l.units, 0) AS units,
    coalesce(l.value_minor, 0) AS value_minor,
    coalesce(g.recovered, false) AS recovered,
    CASE
      WHEN p.ordered_at IS NOT NULL THEN 'converted'
      WHEN p.items >= 1 AND CAST(as_of_ms AS BIGINT) - p.last_activity_at >= CAST(abandon_ms AS BIGINT) THEN 'abandoned'
      WHEN p.items = 0 THEN 'emptied'
      ELSE 'open'
    END AS status
  FROM per_cart p
  LEFT JOIN lines l ON l.cart_id = p.cart_id
  LEFT JOIN gaps g ON g.cart_id = p.cart_id
)
SELECT *,
  CASE WHEN status = 'abandoned' THEN (CASE WHEN checkout_started_at IS NOT NULL THEN 'checkout' ELSE 'cart' END) END AS stage,
  CASE WHEN status = 'abandoned' THEN last_activity_at + CAST(abandon_ms AS BIGINT) END AS abandoned_at
FROM classified;
