-- Which of a batch's event_ids are stored already (the bloom filter index on event_id skips most
-- granules). No FINAL: any stored copy makes the event known. (The alias is not event_id: ClickHouse
-- would let it shadow the column in WHERE.)
SELECT DISTINCT toString(event_id) AS id
FROM events
WHERE event_id IN {ids:Array(UUID)};
