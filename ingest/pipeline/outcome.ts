/**
 * Each ingest step returns an outcome instead of throwing; the runner decides what to store,
 * dead-letter and acknowledge. Reasons are stable strings: they double as metric labels,
 * dead-letter headers and the `reason` column of rejected_events.
 */
export const REJECT_REASONS = [
  'oversized',
  'invalid_utf8',
  'invalid_json',
  /** Arrays and objects nested deeper than MAX_EVENT_DEPTH (structure.ts). */
  'too_deep',
  /** An object naming the same key twice; field names the key's path. */
  'duplicate_key',
  'not_an_object',
  'unknown_type',
  'unsupported_schema_version',
  'schema_violation',
  /** Valid by the contract, but the warehouse refused to insert it (isolate.ts); detail names the engine's code. */
  'warehouse_rejected',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export interface Rejection {
  reason: RejectReason;
  /** Dotted path of the first offending field, when there is one (e.g. `item.unit_price_minor`). */
  field: string | null;
  /** Human-readable, names the field(s): `item.unit_price_minor: Invalid input: expected int, received number`. */
  detail: string;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export const ok = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const reject = (reason: RejectReason, detail: string, field: string | null = null): Outcome<never> => ({
  ok: false,
  rejection: { reason, field, detail },
});
