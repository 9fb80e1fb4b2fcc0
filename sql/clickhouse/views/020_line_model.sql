-- The line model as of an instant, read from the kept lines (cart_line_folds, migrations/004) as the
-- cart model is read from cart_folds (views/010_cart_model.sql): a line whose cart's last event is at or
-- before as_of is its kept row (the fold of all the cart's events is then its fold as of as_of); the
-- lines of carts with events after as_of are folded now from their events up to as_of. For as_of at or
-- after the last event stored, that second set is empty (and found so by cart_folds' min-max index on
-- last_activity_at, without FINAL: see cart_replay_asof), and the adapter reads cart_line_replay_kept's
-- twins alone (sql/clickhouse/keptModel.ts). A window on first_added_at reaches the kept
-- rows' partition and primary key (ORDER BY first_added_at, …) through the views.
CREATE OR REPLACE VIEW cart_line_replay_kept AS
SELECT * EXCEPT (is_deleted) FROM cart_line_folds FINAL WHERE last_activity_at <= {as_of_ms:Int64};

CREATE OR REPLACE VIEW cart_line_replay_asof AS
SELECT * FROM cart_line_replay_kept(as_of_ms = {as_of_ms:Int64})
UNION ALL
SELECT * FROM cart_lines_asof(as_of_ms = {as_of_ms:Int64})
WHERE cart_id IN (SELECT cart_id FROM cart_folds WHERE last_activity_at > {as_of_ms:Int64});

-- Each line as of the instant with its cart's status: the rule of cart_state_asof (views/010), written
-- again over the cart columns a line carries (ClickHouse views cannot share an expression); the parity
-- suite holds the removal and quantity funnels read through it equal to DuckDB's and to evolve().
CREATE OR REPLACE VIEW cart_line_state_asof AS
SELECT *,
  multiIf(
    ordered_at IS NOT NULL, 'converted',
    items >= 1 AND {as_of_ms:Int64} - last_activity_at >= {abandon_ms:Int64}, 'abandoned',
    items = 0, 'emptied',
    'open') AS status
FROM cart_line_replay_asof(as_of_ms = {as_of_ms:Int64});
