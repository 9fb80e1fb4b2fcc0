-- The cart model: every cart replayed as of an instant, in SQL. docs/metrics.md defines each column;
-- projections/replay.ts is the same fold as a pure function, and a parity test holds them equal.
-- Times are epoch milliseconds (UTC) throughout, so that every engine computes the same integers.

-- The fold, with window functions, over the carts of a scope: 'dirty' (carts with new events, when
-- cart_replay is refreshed, read from events) or 'unsafe' (carts whose as-of prefixes are not exact and
-- that have events after as_of, replayed live from their kept cart_replay rows, one per event, found by
-- cart_last_at: rows laid out in that order, so the zone maps skip the history before as_of).
-- Events are those with occurred_at <= as_of, numbered in the cart's order: by sequence when every
-- event of the cart has one, otherwise by occurred_at; event_id (as text) breaks ties.
-- A line is (cart, product). Its quantity after an event is the base set by its latest reset (a removal
-- sets 0, a quantity change sets to_quantity) plus every unit added since. Events that do not fit
-- (removing a product not in the cart, a change from the wrong quantity) are applied as far as they can
-- be and flagged as anomalies. lines_held counts the lines with quantity > 0 after the event.
CREATE OR REPLACE MACRO replay_fold(as_of_ms, scope) AS TABLE
WITH visible AS (
  SELECT e.*, e.event_id::VARCHAR AS eid, epoch_ms(e.occurred_at) AS t, CAST(NULL AS BIGINT) AS cart_key
  FROM events e
  WHERE scope = 'dirty' AND e.occurred_at <= epoch_ms(CAST(as_of_ms AS BIGINT))
    AND e.cart_id IN (SELECT cart_id FROM replay_dirty)
  UNION ALL BY NAME
  -- INVARIANT: cart_replay holds every event of a folded cart (refolded whole at each refresh), and every
  -- read refreshes it first.
  SELECT
    event_id, event_id::VARCHAR AS eid, t, cart_id, cart_key, type, sequence, customer_id, anonymous_id, currency, channel,
    campaign_name, consent_marketing, product_id, product_name, category, unit_price_minor, quantity,
    from_quantity, to_quantity
  FROM cart_replay
  WHERE scope = 'unsafe' AND NOT prefix_safe AND cart_last_at > CAST(as_of_ms AS BIGINT) AND t <= CAST(as_of_ms AS BIGINT)
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
    -- The cart's value after the event: each line event replaces the line's old quantity × price. Exact
    -- in HUGEINT, then saturated at 2^53 - 1 as everywhere (docs/metrics.md, "Money values"): a store may
    -- hold prices from before the contract's bounds, whose products pass BIGINT.
    least(sum(CASE WHEN product_id IS NULL THEN 0
                   ELSE qty_after::HUGEINT * unit_price_minor
                        - CASE WHEN qty_before > 0 THEN qty_before::HUGEINT * price_before ELSE 0 END END)
            OVER w, 9007199254740991)::BIGINT AS value_held,
    coalesce(sum(CASE WHEN type = 'order.placed' THEN 1 ELSE 0 END) OVER w - CASE WHEN type = 'order.placed' THEN 1 ELSE 0 END, 0) AS orders_before,
    lead(t) OVER (PARTITION BY cart_id ORDER BY ord) AS next_t,
    coalesce(t >= lag(t) OVER (PARTITION BY cart_id ORDER BY ord), true) AS t_ascending
  FROM with_before
  WINDOW w AS (PARTITION BY cart_id ORDER BY ord ROWS UNBOUNDED PRECEDING)
),
marked AS (
  SELECT *,
    coalesce((type = 'cart.item_removed' AND qty_before = 0)
      OR (type = 'cart.item_quantity_changed' AND from_quantity <> qty_before), false) AS anomaly,
    type = 'cart.item_added' AS is_add,
    type = 'cart.item_removed' AND qty_before > 0 AS is_removal
  FROM per_cart
)
-- Besides the event's own fold, each row carries the state after it of its cart (over the cart's rows up
-- to it) and of its line (the cart's rows of the same product up to it), and the time of the line's next
-- event (l_next_t), so that a cart or a line as of T is one row: t <= T < next_t (or l_next_t).
SELECT
  event_id, cart_id, cart_key, ord, t, next_t, type, sequence, customer_id, anonymous_id, currency, channel,
  campaign_name, consent_marketing, product_id, product_name, category, unit_price_minor, quantity,
  from_quantity, to_quantity, qty_before, qty_after, lines_held, units_held, value_held, anomaly,
  orders_before,
  bool_and(t_ascending) OVER (PARTITION BY cart_id) AND (with_sequence = 0 OR with_sequence = in_cart) AS prefix_safe,
  max(t) OVER (PARTITION BY cart_id) AS cart_last_at,
  min(CASE WHEN is_add THEN t END) OVER w AS started_at,
  max(t) OVER w AS last_activity_at,
  min(CASE WHEN type = 'cart.checkout_started' THEN t END) OVER w AS checkout_started_at,
  min(CASE WHEN type = 'order.placed' THEN t END) OVER w AS ordered_at,
  first_value(channel) OVER w AS first_channel,
  first_value(campaign_name IGNORE NULLS) OVER w AS campaign,
  last_value(customer_id IGNORE NULLS) OVER w AS last_customer_id,
  last_value(anonymous_id IGNORE NULLS) OVER w AS last_anonymous_id,
  last_value(consent_marketing IGNORE NULLS) OVER w AS last_consent_marketing,
  count(CASE WHEN anomaly THEN 1 END) OVER w AS anomalies,
  -- The longest wait from an event to the next while the cart held items, before its first order.
  max(CASE WHEN lines_held > 0 AND orders_before = 0 AND type <> 'order.placed' THEN next_t - t END) OVER w AS longest_idle_holding_ms,
  CASE WHEN product_id IS NOT NULL THEN lead(t) OVER line END AS l_next_t,
  CASE WHEN product_id IS NOT NULL THEN last_value(CASE WHEN type <> 'cart.item_removed' THEN unit_price_minor END IGNORE NULLS) OVER lw END AS l_unit_price_minor,
  CASE WHEN product_id IS NOT NULL THEN last_value(product_name IGNORE NULLS) OVER lw END AS l_product_name,
  CASE WHEN product_id IS NOT NULL THEN last_value(category IGNORE NULLS) OVER lw END AS l_category,
  CASE WHEN product_id IS NOT NULL THEN min(CASE WHEN is_add THEN t END) OVER lw END AS l_first_added_at,
  CASE WHEN product_id IS NOT NULL THEN first_value(CASE WHEN is_add THEN quantity END IGNORE NULLS) OVER lw END AS l_first_added_quantity,
  CASE WHEN product_id IS NOT NULL THEN min(CASE WHEN is_add THEN ord END) OVER lw END AS l_first_added_ord,
  CASE WHEN product_id IS NOT NULL THEN max(CASE WHEN is_add THEN ord END) OVER lw END AS l_last_added_ord,
  CASE WHEN product_id IS NOT NULL THEN min(CASE WHEN is_removal THEN t END) OVER lw END AS l_first_removed_at,
  CASE WHEN product_id IS NOT NULL THEN min(CASE WHEN is_removal THEN ord END) OVER lw END AS l_first_removed_ord,
  CASE WHEN product_id IS NOT NULL THEN count(CASE WHEN is_removal THEN 1 END) OVER lw END AS l_removals,
  CASE WHEN product_id IS NOT NULL THEN coalesce(sum(CASE WHEN type = 'cart.item_removed' THEN qty_before END) OVER lw, 0) END AS l_units_removed,
  CASE WHEN product_id IS NOT NULL THEN coalesce(sum(CASE WHEN is_add THEN quantity END) OVER lw, 0) END AS l_units_added
FROM marked
WINDOW w AS (PARTITION BY cart_id ORDER BY ord ROWS UNBOUNDED PRECEDING),
  line AS (PARTITION BY cart_id, product_id ORDER BY ord),
  lw AS (PARTITION BY cart_id, product_id ORDER BY ord ROWS UNBOUNDED PRECEDING);

-- Every cart's replay as of an instant: the materialised rows up to as_of where that prefix is exact
-- (always, for a cart with no event after as_of: its rows are the whole fold), and a live fold for the
-- few carts where it is not.
CREATE OR REPLACE MACRO cart_replay_asof(as_of_ms) AS TABLE
SELECT * FROM cart_replay
WHERE t <= CAST(as_of_ms AS BIGINT) AND (prefix_safe OR cart_last_at <= CAST(as_of_ms AS BIGINT))
UNION ALL BY NAME
SELECT * FROM replay_fold(as_of_ms, 'unsafe');

-- The replay rows, as of the instant, of the carts whose kept model rows do not answer it: carts with
-- events after as_of (their cart_replay rows up to it, or a live fold where that prefix is not exact),
-- and during a refresh the carts it has just folded (replay_refolded, empty to every reader). For the
-- default as_of (now) only the latter: the cost follows the activity after as_of, not the history.
CREATE OR REPLACE MACRO replay_unkept_asof(as_of_ms) AS TABLE
SELECT * FROM cart_replay
WHERE prefix_safe AND cart_last_at > CAST(as_of_ms AS BIGINT) AND t <= CAST(as_of_ms AS BIGINT)
UNION ALL BY NAME
SELECT * FROM replay_fold(as_of_ms, 'unsafe')
UNION ALL BY NAME
SELECT * FROM replay_refolded WHERE t <= CAST(as_of_ms AS BIGINT);

-- Those carts' state as of the instant, as cart_model rows: each one's row with t <= as_of < next_t
-- (its time never goes backwards, so there is exactly one), or the last row of its fold (next_t NULL).
CREATE OR REPLACE MACRO cart_rows_asof(as_of_ms) AS TABLE
SELECT
  cart_id, cart_key, started_at, last_activity_at, checkout_started_at, ordered_at, first_channel AS channel, campaign,
  currency, last_customer_id AS customer_id, last_anonymous_id AS anonymous_id,
  last_consent_marketing AS consent_marketing, anomalies, longest_idle_holding_ms, ord AS events,
  lines_held AS items, units_held AS units, value_held AS value_minor, prefix_safe
FROM replay_unkept_asof(as_of_ms)
WHERE next_t IS NULL OR next_t > CAST(as_of_ms AS BIGINT);

-- Their lines as of the instant, as line_model rows (as cart_rows_asof, with the line's next event).
CREATE OR REPLACE MACRO line_rows_asof(as_of_ms) AS TABLE
SELECT
  cart_id, cart_key, product_id, cart_last_at,
  max(t) OVER l AS last_event_at,
  qty_after AS quantity, l_unit_price_minor AS unit_price_minor, l_product_name AS product_name,
  l_category AS category, l_first_added_at AS first_added_at, l_first_added_quantity AS first_added_quantity,
  l_first_added_ord AS first_added_ord, l_last_added_ord AS last_added_ord, l_first_removed_at AS first_removed_at,
  l_first_removed_ord AS first_removed_ord, l_removals AS removals, l_units_removed AS units_removed,
  l_units_added AS units_added,
  -- Within a millisecond the greater name wins, as in the product model (migrations/006_product_model.sql).
  arg_max(product_name, {'t': t, 'v': product_name}) FILTER (WHERE product_name IS NOT NULL) OVER l AS latest_name,
  max(t) FILTER (WHERE product_name IS NOT NULL) OVER l AS latest_name_at,
  arg_max(category, {'t': t, 'v': category}) FILTER (WHERE category IS NOT NULL) OVER l AS latest_category,
  max(t) FILTER (WHERE category IS NOT NULL) OVER l AS latest_category_at
FROM replay_unkept_asof(as_of_ms)
WINDOW l AS (PARTITION BY cart_id, product_id)
QUALIFY product_id IS NOT NULL AND (l_next_t IS NULL OR l_next_t > CAST(as_of_ms AS BIGINT));

-- Each cart's state as of the instant: its kept row when its last event is at or before as_of.
CREATE OR REPLACE MACRO cart_last_asof(as_of_ms) AS TABLE
SELECT * EXCLUDE (prefix_safe) FROM cart_model WHERE last_activity_at <= CAST(as_of_ms AS BIGINT)
UNION ALL BY NAME
SELECT * EXCLUDE (prefix_safe) FROM cart_rows_asof(as_of_ms);

-- Each line's state as of the instant, likewise.
CREATE OR REPLACE MACRO line_last_asof(as_of_ms) AS TABLE
SELECT * FROM line_model WHERE cart_last_at <= CAST(as_of_ms AS BIGINT)
UNION ALL BY NAME
SELECT * FROM line_rows_asof(as_of_ms);

-- Each product's name and category as of the instant: those of its latest event that carries them (the
-- greater within a millisecond). From the product model alone (migrations/006_product_model.sql) for a
-- product that used a single name by then, or none of whose names used by then was used again after it (its
-- last use is then its latest by then); only the products renamed around the instant are computed from
-- their lines as of then. Likewise the category.
CREATE OR REPLACE MACRO products_asof(as_of_ms) AS TABLE
WITH by_kind AS (
  SELECT
    product_id, kind,
    count(*) = 1 OR NOT bool_or(last_at > CAST(as_of_ms AS BIGINT)) AS kept,
    arg_max(value, {'t': last_at, 'v': value}) AS value
  FROM product_model
  WHERE first_at <= CAST(as_of_ms AS BIGINT)
  GROUP BY product_id, kind
),
by_product AS (
  SELECT
    product_id, bool_and(kept) AS kept,
    any_value(value) FILTER (WHERE kind = 'name') AS product_name,
    any_value(value) FILTER (WHERE kind = 'category') AS category
  FROM by_kind
  GROUP BY product_id
  -- Seen by then (names and categories come with an event of the product).
  HAVING bool_or(kind = 'seen')
)
SELECT product_id, product_name, category FROM by_product WHERE kept
UNION ALL
SELECT
  product_id,
  arg_max(latest_name, {'t': latest_name_at, 'v': latest_name}) FILTER (WHERE latest_name IS NOT NULL) AS product_name,
  arg_max(latest_category, {'t': latest_category_at, 'v': latest_category}) FILTER (WHERE latest_category IS NOT NULL) AS category
FROM line_last_asof(as_of_ms)
WHERE product_id IN (SELECT product_id FROM by_product WHERE NOT kept)
GROUP BY product_id;

-- Each line's state as of the instant: quantity after its last event, unit price of its latest add or
-- quantity change, when it was first added, first removed, and what was added and removed. Name and
-- category are the product's (products_asof), so that lines need no text aggregation.
CREATE OR REPLACE MACRO cart_lines_asof(as_of_ms) AS TABLE
SELECT
  l.cart_id, l.cart_key, l.product_id, l.quantity, l.unit_price_minor, l.first_added_at, l.first_added_quantity,
  l.first_added_ord, l.first_removed_at, l.first_removed_ord, l.removals, l.units_removed, l.units_added,
  l.last_added_ord, p.product_name, p.category
FROM line_last_asof(as_of_ms) l
LEFT JOIN products_asof(as_of_ms) p ON p.product_id = l.product_id;

-- One row per cart as of the instant, with its status. abandon_ms is the inactivity after which a cart
-- holding items is abandoned.
CREATE OR REPLACE MACRO cart_state_asof(as_of_ms, abandon_ms) AS TABLE
WITH per_cart AS (
  SELECT * EXCLUDE (longest_idle_holding_ms),
    -- A gap of at least abandon_ms while holding items, before the first order: abandoned, then recovered.
    coalesce(longest_idle_holding_ms >= CAST(abandon_ms AS BIGINT), false) AS had_gap
  FROM cart_last_asof(as_of_ms)
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

-- Abandoned carts as of the instant that a campaign may target, abandoned within the lookback (abandoned_at
-- > as_of - lookback_ms): a customer who placed any order after the cart's last activity is left out
-- (anonymous carts cannot be matched, so they stay).
-- The lookback bounds what is read, not only what is returned: such a cart's last activity lies in
-- (as_of - lookback_ms - abandon_ms, as_of - abandon_ms], and only an order after that can leave it out,
-- so both reads filter on the bare stored time column (last_activity_at, placed_at), which the zone
-- maps of the kept rows and of the orders model (both inserted in time order) prune. Each customer's
-- orders come from the orders model (customer_orders, migrations/009), which every read refreshes first.
CREATE OR REPLACE MACRO audience_asof(as_of_ms, abandon_ms, lookback_ms) AS TABLE
WITH orders AS (
  SELECT customer_id, max(placed_at) AS last_order_at
  FROM customer_orders
  WHERE placed_at > CAST(as_of_ms AS BIGINT) - CAST(lookback_ms AS BIGINT) - CAST(abandon_ms AS BIGINT)
    AND placed_at <= CAST(as_of_ms AS BIGINT)
  GROUP BY customer_id
)
SELECT s.*
FROM cart_state_asof(as_of_ms, abandon_ms) s
LEFT JOIN orders o ON o.customer_id = s.customer_id
WHERE s.status = 'abandoned'
  AND s.last_activity_at > CAST(as_of_ms AS BIGINT) - CAST(lookback_ms AS BIGINT) - CAST(abandon_ms AS BIGINT)
  AND s.last_activity_at <= CAST(as_of_ms AS BIGINT) - CAST(abandon_ms AS BIGINT)
  AND (o.last_order_at IS NULL OR o.last_order_at <= s.last_activity_at);
