-- When each cart was marked in replay_dirty (epoch ms, the writer's transaction time), so that the read
-- models' lag is visible (/metrics, /v1/stats): how many carts wait for a fold, and since when.
-- Marks written before this migration take its time. Every insert names its time: no column DEFAULT, as
-- DuckDB 1.5 cannot replay `ALTER COLUMN … SET DEFAULT <function>` from its write-ahead log (a store
-- killed before its next checkpoint then failed to open: "GetDefaultDatabase with no default database
-- set"; test/durability.e2e.test.ts).
ALTER TABLE replay_dirty ADD COLUMN marked_at BIGINT;
UPDATE replay_dirty SET marked_at = epoch_ms(current_timestamp);
