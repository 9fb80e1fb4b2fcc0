-- Accepted events: one row per event_id, typed columns beside the original payload.
-- Times are UTC TIMESTAMPs (millisecond precision from the producer); money is integer minor units.
CREATE TABLE IF NOT EXISTS events (
  event_id          UUID PRIMARY KEY,
  type              VARCHAR NOT NULL,
  schema_version    SMALLINT NOT NULL,
  occurred_at       TIMESTAMP NOT NULL,
  received_at       TIMESTAMP NOT NULL,
  sequence          BIGINT,
  cart_id           VARCHAR NOT NULL,
  customer_id       VARCHAR,
  anonymous_id      VARCHAR,
  session_id        VARCHAR,
  currency          VARCHAR NOT NULL,
  channel           VARCHAR NOT NULL,
  campaign_source   VARCHAR,
  campaign_medium   VARCHAR,
  campaign_name     VARCHAR,
  consent_marketing BOOLEAN,
  product_id        VARCHAR,
  sku               VARCHAR,
  product_name      VARCHAR,
  category          VARCHAR,
  brand             VARCHAR,
  unit_price_minor  BIGINT,
  quantity          INTEGER,
  from_quantity     INTEGER,
  to_quantity       INTEGER,
  cart_value_minor  BIGINT,
  order_id          VARCHAR,
  total_minor       BIGINT,
  order_items       STRUCT(product_id VARCHAR, quantity INTEGER, unit_price_minor BIGINT)[],
  source            VARCHAR NOT NULL,
  payload           JSON NOT NULL
);

-- Refused messages, never dropped: the bytes as received and why.
CREATE TABLE IF NOT EXISTS rejected_events (
  received_at TIMESTAMP NOT NULL,
  source      VARCHAR NOT NULL,
  source_ref  VARCHAR,
  reason      VARCHAR NOT NULL,
  field       VARCHAR,
  detail      VARCHAR NOT NULL,
  payload     BLOB NOT NULL
);
