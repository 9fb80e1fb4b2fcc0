-- Carts whose kept replay holds a value past 2^53 - 1 (prices from before the contract's bounds) are
-- folded again on the next read, so that they answer the saturated value as every other path does
-- (views/010_cart_model.sql, docs/metrics.md "Money values"). Carts whose fold overflowed BIGINT were
-- never kept: they are still in replay_dirty.
INSERT INTO replay_dirty (cart_id) SELECT DISTINCT cart_id FROM cart_replay WHERE value_held > 9007199254740991;
