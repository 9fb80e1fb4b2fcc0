-- Every announcement a webhook endpoint acknowledged (2xx), any kind, with or without a customer: what the
-- recovery report (GET /v1/funnels/recovery) calls "announced". Written by announce/deliver.ts in the same
-- transaction as the endpoint's position, so an acknowledged announcement is here exactly when the
-- position has passed it. No key: a dead letter replayed later may be acknowledged too.
CREATE TABLE IF NOT EXISTS lifecycle_acknowledged (
  endpoint           VARCHAR NOT NULL,
  seq                BIGINT NOT NULL,
  id                 UUID NOT NULL,
  kind               VARCHAR NOT NULL,
  acknowledged_at_ms BIGINT NOT NULL
);
