-- The cart model: every cart replayed as of an instant, in SQL. docs/metrics.md defines each column;
-- projections/replay.ts is the same fold as a pure function, and a parity test holds them equal.
-- Times are epoch milliseconds (UTC) throughout, so that every engine computes the same integers.

-- The fold, with window functions, over the carts of a scope: 'dirty' (carts with new events, when
-- cart_replay is refreshed) or 'unsafe' (carts whose as-of prefixes are not exact, replayed live).
-- Events are those with occurred_at <= as_of, numbered in the cart's order: by sequence when every
-- event of the cart has one, otherwise by occurred_at; event_id (as text) breaks ties.
-- A line is (cart, product). Its quantity after an event is the base set by its latest reset (a removal
-- sets 0, a quantity change sets to_quantity) plus every unit added since. Events that do not fit
-- (removing a product not in the cart, a change from the wrong quantity) are applied as far as they can
-- be and flagged as anomalies. lines_held counts the lines with quantity > 0 after the event.
CREATE OR REPLACE MACRO replay_fold(as_of_ms, scope) AS TABLE
WITH visible AS (
  SELECT e.*, e.event_id::VARCHAR AS eid, epoch_ms(e.occurred_at) AS t
  FROM events e
  WHERE e.occurred_at <= epoch_ms(CAST(as_of_ms AS BIGINT))
    AND CASE scope
          WHEN 'dirty' THEN e.cart_id IN (SELECT cart_id FROM replay_dirty)
          ELSE e.cart_id IN (SELECT cart_id FROM cart_replay WHERE NOT prefix_safe)
        END
),
flagged AS (
  SELECT *,
    count(sequence) OVER (PARTITION BY cart_id) AS with_sequence,
    count(*) OVER (PARTITION BY cart_id) AS in_cart
  FROM visible
),
ordered AS (
  SELECT *,
    row_number() OVER (PARTITION BY cart_id ORDER BY CASE WHEN with_sequence = in_cart THEN sequence END, t, eid) AS ord
  FROM flagged
),
grouped AS (
  SELECT *,
    sum(CASE WHEN type IN ('cart.item_removed', 'cart.item_quantity_changed') THEN 1 ELSE 0 END)
      OVER (PARTITION BY cart_id, product_id ORDER BY ord ROWS UNBOUNDED PRECEDING) AS reset_group
  FROM ordered
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
      coalesce(lag(qty_after) OVER line, 0)
    END AS qty_before,
    -- The line's unit price before this event (that of its previous event); it only matters while held.
    lag(unit_price_minor) OVER line AS price_before
  FROM folded
  WINDOW line AS (PARTITION BY cart_id, product_id ORDER BY ord)
),
per_cart AS (
  SELECT *,
    sum(CASE WHEN product_id IS NULL THEN 0
             ELSE (CASE WHEN qty_after > 0 THEN 1 ELSE 0 END) - (CASE WHEN qty_before > 0 THEN 1 ELSE 0 END) END)
      OVER w AS lines_held,
    sum(coalesce(qty_after, 0) - coalesce(qty_before, 0)) OVER w AS units_held,
    -- The cart's value after the event: each line event replaces the line's old quantity × price.
    sum(CASE WHEN product_id IS NULL THEN 0
             ELSE qty_after * unit_price_minor - CASE WHEN qty_before > 0 THEN qty_before * price_before ELSE 0 END END)
      OVER w AS value_held,
    coalesce(sum(CASE WHEN type = 'order.placed' THEN 1 ELSE 0 END) OVER w - CASE WHEN type = 'order.placed' THEN 1 ELSE 0 END, 0) AS orders_before,
    lead(t) OVER (PARTITION BY cart_id ORDER BY ord) AS next_t,
    coalesce(t >= lag(t) OVER (PARTITION BY cart_id ORDER BY ord), true) AS t_ascending
  FROM with_before
  WINDOW w AS (PARTITION BY cart_id ORDER BY ord ROWS UNBOUNDED PRECEDING)
)
SELECT
  event_id, cart_id, ord, t, next_t, type, sequence, customer_id, anonymous_id, currency, channel,
  campaign_name, consent_marketing, product_id, product_name, category, unit_price_minor, quantity,
  from_quantity, to_quantity, qty_before, qty_after, lines_held, units_held, value_held,
  coalesce((type = 'cart.item_removed' AND qty_before = 0)
    OR (type = 'cart.item_quantity_changed' AND from_quantity <> qty_before), false) AS anomaly,
  orders_before,
  bool_and(t_ascending) OVER (PARTITION BY cart_id) AND (with_sequence = 0 OR with_sequence = in_cart) AS prefix_safe
FROM per_cart;

-- Every cart's replay as of an instant: the materialised rows up to as_of where that prefix is exact,
-- and a live fold for the few carts where it is not.
CREATE OR REPLACE MACRO cart_replay_asof(as_of_ms) AS TABLE
SELECT * FROM cart_replay WHERE prefix_safe AND t <= CAST(as_of_ms AS BIGINT)
UNION ALL
SELECT * FROM replay_fold(as_of_ms, 'unsafe');

-- Each product's name and category as of the instant: those of its latest event that carries them.
CREATE OR REPLACE MACRO products_asof(as_of_ms) AS TABLE
SELECT
  product_id,
  arg_max(product_name, t) FILTER (WHERE product_name IS NOT NULL) AS product_name,
  arg_max(category, t) FILTER (WHERE category IS NOT NULL) AS category
FROM cart_replay_asof(as_of_ms)
WHERE product_id IS NOT NULL
GROUP BY product_id;

-- Each line's state as of the instant: quantity after its last event, unit price of its latest add or
-- quantity change, when it was first added, first removed, and what was added and removed. Name and
-- category are the product's (products_asof), so that lines need no text aggregation.
CREATE OR REPLACE MACRO cart_lines_asof(as_of_ms) AS TABLE
WITH lines AS (
  SELECT
    cart_id,
    product_id,
    arg_max(qty_after, ord) AS quantity,
    arg_max(unit_price_minor, ord) FILTER (WHERE type <> 'cart.item_removed') AS unit_price_minor,
    min(t) FILTER (WHERE type = 'cart.item_added') AS first_added_at,
    arg_min(quantity, ord) FILTER (WHERE type = 'cart.item_added') AS first_added_quantity,
    min(ord) FILTER (WHERE type = 'cart.item_added') AS first_added_ord,
    min(t) FILTER (WHERE type = 'cart.item_removed' AND qty_before > 0) AS first_removed_at,
    min(ord) FILTER (WHERE type = 'cart.item_removed' AND qty_before > 0) AS first_removed_ord,
    count(*) FILTER (WHERE type = 'cart.item_removed' AND qty_before > 0) AS removals,
    coalesce(sum(qty_before) FILTER (WHERE type = 'cart.item_removed'), 0) AS units_removed,
    coalesce(sum(quantity) FILTER (WHERE type = 'cart.item_added'), 0) AS units_added,
    max(ord) FILTER (WHERE type = 'cart.item_added') AS last_added_ord
  FROM cart_replay_asof(as_of_ms)
  WHERE product_id IS NOT NULL
  GROUP BY cart_id, product_id
)
SELECT l.*, p.product_name, p.category
FROM lines l
LEFT JOIN products_asof(as_of_ms) p ON p.product_id = l.product_id;

-- One row per cart as of the instant, with its status. abandon_ms is the inactivity after which a cart
-- holding items is abandoned.
CREATE OR REPLACE MACRO cart_state_asof(as_of_ms, abandon_ms) AS TABLE
WITH per_cart AS (
  SELECT
    cart_id,
    min(t) FILTER (WHERE type = 'cart.item_added') AS started_at,
    max(t) AS last_activity_at,
    min(t) FILTER (WHERE type = 'cart.checkout_started') AS checkout_started_at,
    min(t) FILTER (WHERE type = 'order.placed') AS ordered_at,
    arg_min(channel, ord) AS channel,
    arg_min(campaign_name, ord) FILTER (WHERE campaign_name IS NOT NULL) AS campaign,
    arg_max(currency, ord) AS currency,
    arg_max(customer_id, ord) FILTER (WHERE customer_id IS NOT NULL) AS customer_id,
    arg_max(anonymous_id, ord) FILTER (WHERE anonymous_id IS NOT NULL) AS anonymous_id,
    arg_max(consent_marketing, ord) FILTER (WHERE consent_marketing IS NOT NULL) AS consent_marketing,
    count(*) FILTER (WHERE anomaly) AS anomalies,
    count(*) AS events,
    arg_max(lines_held, ord) AS items,
    arg_max(units_held, ord) AS units,
    arg_max(value_held, ord) AS value_minor,
    -- A gap of at least abandon_ms while holding items, before the first order: abandoned, then recovered.
    coalesce(bool_or(lines_held > 0 AND orders_before = 0 AND type <> 'order.placed'
                     AND next_t - t >= CAST(abandon_ms AS BIGINT)), false) AS had_gap
  FROM cart_replay_asof(as_of_ms)
  GROUP BY cart_id
),
classified AS (
  SELECT * EXCLUDE (had_gap),
    ordered_at IS NOT NULL AND had_gap AS recovered,
    CASE
      WHEN ordered_at IS NOT NULL THEN 'converted'
      WHEN items >= 1 AND CAST(as_of_ms AS BIGINT) - last_activity_at >= CAST(abandon_ms AS BIGINT) THEN 'abandoned'
      WHEN items = 0 THEN 'emptied'
      ELSE 'open'
    END AS status
  FROM per_cart
)
SELECT *,
  CASE WHEN status = 'abandoned' THEN (CASE WHEN checkout_started_at IS NOT NULL THEN 'checkout' ELSE 'cart' END) END AS stage,
  CASE WHEN status = 'abandoned' THEN last_activity_at + CAST(abandon_ms AS BIGINT) END AS abandoned_at
FROM classified;

-- Abandoned carts as of the instant that a campaign may target: a customer who placed any order after
-- the cart's last activity is left out (anonymous carts cannot be matched, so they stay).
CREATE OR REPLACE MACRO audience_asof(as_of_ms, abandon_ms) AS TABLE
WITH orders AS (
  SELECT customer_id, max(epoch_ms(occurred_at)) AS last_order_at
  FROM events
  WHERE type = 'order.placed' AND customer_id IS NOT NULL AND occurred_at <= epoch_ms(CAST(as_of_ms AS BIGINT))
  GROUP BY customer_id
)
SELECT s.*
FROM cart_state_asof(as_of_ms, abandon_ms) s
LEFT JOIN orders o ON o.customer_id = s.customer_id
WHERE s.status = 'abandoned' AND (o.last_order_at IS NULL OR o.last_order_at <= s.last_activity_at);
