// No imports: the answer schemas (api/http/answers.ts), which the dashboards type-check against, read it too.

/** The counts of the abandonment funnel, per key: abandonment.sql's columns, the answer's table columns. */
export const ABANDONMENT_COUNTS = [
  'started',
  'checkout_started',
  'ordered',
  'abandoned',
  'abandoned_at_cart',
  'abandoned_at_checkout',
  'open',
  'emptied',
  'recovered',
  'anomalies',
] as const;
