-- Replays of webhook dead letters (announce/replay.ts, docs/lifecycle.md): an operator's request that an
-- endpoint's delivery send one of its dead letters again. Written by the API route or `carrello webhooks
-- replay`, taken (and deleted) by the process that delivers, which holds the endpoints' URLs and secrets.
-- One row per (endpoint, seq): a request written again while one waits is not written twice.
CREATE TABLE IF NOT EXISTS lifecycle_replays (
  endpoint        VARCHAR NOT NULL,
  seq             BIGINT NOT NULL,
  requested_at_ms BIGINT NOT NULL
);
