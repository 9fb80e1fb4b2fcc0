import type { RowOf } from './catalogue/index.ts';

/**
 * Row shapes the warehouse stores. They live here, at the bottom of the dependency graph
 * (api → ingest → sql), so adapters never import the event contract.
 */

/** One accepted event, flattened to typed columns; times are epoch milliseconds (UTC). */
export interface EventRow {
  event_id: string;
  type: string;
  schema_version: number;
  occurred_at_ms: number;
  received_at_ms: number;
  sequence: number | null;
  cart_id: string;
  customer_id: string | null;
  anonymous_id: string | null;
  session_id: string | null;
  currency: string;
  channel: string;
  campaign_source: string | null;
  campaign_medium: string | null;
  campaign_name: string | null;
  consent_marketing: boolean | null;
  product_id: string | null;
  sku: string | null;
  product_name: string | null;
  category: string | null;
  brand: string | null;
  unit_price_minor: number | null;
  quantity: number | null;
  from_quantity: number | null;
  to_quantity: number | null;
  cart_value_minor: number | null;
  order_id: string | null;
  total_minor: number | null;
  /** JSON array of {product_id, quantity, unit_price_minor}, for order.placed only. */
  order_items_json: string | null;
  /** Where it came from: 'collector', 'kafka', 'simulator', ... */
  source: string;
  /** The event as the producer sent it: the very bytes for NDJSON lines and Kafka messages; for a JSON-array body, the element re-serialised compactly (same values, whitespace dropped). */
  payload: string;
}

/** One refused message, kept with its reason; the payload is the bytes as received. */
export interface RejectedRow {
  received_at_ms: number;
  source: string;
  /** Position in the source: `request:<id>#<index>`, `<partition>:<offset>`, ... */
  source_ref: string | null;
  reason: string;
  field: string | null;
  detail: string;
  payload: Uint8Array;
}

export interface WriteResult {
  /** Events newly stored. */
  inserted: number;
  /** Events whose event_id was already stored (or repeated within the batch): stored once. */
  duplicates: number;
  rejected: number;
}

export interface WarehouseStats {
  events_stored: number;
  events_rejected: number;
  carts: number;
  first_event_at: string | null;
  last_event_at: string | null;
  last_received_at: string | null;
  rejected_by_reason: Record<string, number>;
}

/**
 * How far the read models (DuckDB: cart_replay, cart_model, line_model; ClickHouse: cart_folds,
 * cart_line_folds) are behind the stored events: carts whose events are stored but not yet folded, and
 * how long the oldest has waited, by the engine's clock. 0 and null when every cart is folded.
 */
export interface ReadModelLag {
  pending_carts: number;
  /** When the oldest of them was marked (its first unfolded batch was written), or null. */
  oldest_pending_at: string | null;
  lag_seconds: number;
}

/** ReadModelLag from the engine's row (read_model_lag.sql). */
export function readModelLag(row: RowOf<'read_model_lag'> | undefined): ReadModelLag {
  const oldest = row?.oldest_pending_ms ?? null;
  return {
    pending_carts: row?.pending_carts ?? 0,
    oldest_pending_at: oldest === null ? null : new Date(oldest).toISOString(),
    lag_seconds: oldest === null ? 0 : Math.max(0, row!.now_ms - oldest) / 1000,
  };
}

/** WarehouseStats from the engine's rows (stats.sql, rejected_by_reason.sql): times as ISO-8601 on the wire. */
export function warehouseStats(row: RowOf<'stats'>, byReason: readonly RowOf<'rejected_by_reason'>[]): WarehouseStats {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    events_stored: row.events_stored,
    events_rejected: row.events_rejected,
    carts: row.carts,
    first_event_at: iso(row.first_event_ms),
    last_event_at: iso(row.last_event_ms),
    last_received_at: iso(row.last_received_ms),
    rejected_by_reason: Object.fromEntries(byReason.map((r) => [r.reason, r.n])),
  };
}

/** What forgetting a customer removed (counts only: the identifier is personal data and is not echoed). */
export interface ForgetResult {
  /** Their events deleted from `events`. */
  events_deleted: number;
  /** Refused messages deleted from `rejected_events`: those whose bytes hold the identifier as a JSON string. */
  rejected_deleted: number;
  /** Carts that held at least one of their events. */
  carts: number;
  /** Of those, carts that keep other events (another customer's, anonymous ones): answered from what remains. */
  carts_refolded: number;
}
