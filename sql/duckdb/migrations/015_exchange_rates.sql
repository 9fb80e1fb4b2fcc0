-- Exchange rates by day (PUT /v1/exchange-rates, carrello rates load): one unit of `base` is worth `rate`
-- units of `quote` on `day`. Reference data a shop keeps, beside the events, for answers asked in a reporting
-- currency (docs/metrics.md, "Reporting currency"). An exact decimal, never a float: amounts stay integer minor
-- units and a conversion rounds once, half to even (projections/conversion.ts). Not versioned: a rate sent
-- again for the same day and pair replaces the stored one (queries/exchange_rates_upsert.sql), and answers
-- read the table as it is now, whatever their as_of. No personal data: `carrello forget` leaves it alone.
CREATE TABLE IF NOT EXISTS exchange_rates (
  day        DATE NOT NULL,
  base       VARCHAR NOT NULL,
  quote      VARCHAR NOT NULL,
  rate       DECIMAL(38, 18) NOT NULL,
  updated_at BIGINT NOT NULL, -- epoch milliseconds (UTC) of the write
  PRIMARY KEY (base, quote, day)
);
