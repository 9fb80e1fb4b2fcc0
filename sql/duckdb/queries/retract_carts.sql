-- The cart whose derived events are retracted, as the table the right to erasure's statements read
-- (forget_replay.sql, forget_mark_dirty.sql): its folds go, and it is folded again from what remains.
CREATE OR REPLACE TEMP TABLE forget_carts AS SELECT CAST($cart_id AS VARCHAR) AS cart_id;
