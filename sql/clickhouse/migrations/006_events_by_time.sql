-- A copy of each event's export line laid out by time: `events` is sorted by cart (every fold reads a
-- cart's events together), so a range by occurred_at read every granule of its months: a day's NDJSON
-- export of a 30-day store read the whole store. The projection holds (occurred_at, event_id, payload)
-- sorted by (occurred_at, event_id), the export's order, so that a day reads the granules of about a day
-- and comes out already sorted. It costs a second copy of the payload (measured in docs/scaling.md).
--
-- A projection, not a table of its own: inserts, merges and the right to erasure's mutations
-- (queries/forget_events.sql) keep it equal to its part of `events` without any code of carrello's.
-- ClickHouse does not read projections under FINAL, so the export reads it without FINAL and keeps one
-- row per event_id itself (queries/export_events_ndjson.sql). A ReplacingMergeTree with a projection must
-- say what its merges do to it: 'rebuild' builds the projection again from the deduplicated rows.
--
-- Every statement is idempotent; MATERIALIZE builds the projection in the parts written before it, and
-- waits (mutations_sync = 2) so that a migrated store reads by time at once. A query on parts still
-- without it reads them as before: answers never depend on it, only their cost.
ALTER TABLE events MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE events ADD PROJECTION IF NOT EXISTS events_by_time (SELECT occurred_at, event_id, payload ORDER BY occurred_at, event_id);

ALTER TABLE events MATERIALIZE PROJECTION events_by_time SETTINGS mutations_sync = 2;
