import { eventColumns } from './analyses.ts';
import { col, param, read, write } from './define.ts';

/**
 * The lifecycle announcements' named queries (announce/): detection reads events, the log and the delivery
 * state are carrello's own tables. Nothing here reads a derived model: detection folds carts itself.
 */

const endpoint = { endpoint: param.text() };

export const lifecycleQueries = {
  lifecycle_watermark: read({ params: {}, row: { latest_occurred_ms: col.intOrNull(), latest_received_ms: col.intOrNull() }, reads: [] }),
  lifecycle_carts: read({ params: { since_ms: param.int(), received_after_ms: param.int() }, row: { cart_id: col.text() }, reads: [] }),
  lifecycle_events: read({ params: { carts: param.jsonList() }, row: { cart_id: col.text(), ...eventColumns }, reads: [] }),
  lifecycle_customer_carts: read({ params: { carts: param.jsonList(), all: param.int() }, row: { cart_id: col.text(), customer_id: col.text() }, reads: [] }),
  lifecycle_cursor: read({ params: {}, row: { watermark_ms: col.intOrNull(), received_ms: col.intOrNull() }, reads: [] }),
  lifecycle_feed: read({
    params: { after: param.int(), limit: param.int() },
    row: {
      seq: col.int(),
      id: col.text(),
      kind: col.text(),
      cart_id: col.text(),
      episode: col.int(),
      at_ms: col.int(),
      customer_id: col.textOrNull(),
      /** The announcement as JSON, as delivered. */
      payload: col.text(),
    },
    reads: [],
  }),
  lifecycle_head: read({ params: {}, row: { seq: col.int() }, reads: [] }),
  lifecycle_delivered: read({ params: endpoint, row: { delivered_seq: col.int() }, reads: [] }),
  lifecycle_ordered_since: read({ params: { customer_id: param.text(), since_ms: param.int() }, row: { ordered: col.bool() }, reads: [] }),
  lifecycle_capped: read({
    params: { ...endpoint, customer_id: param.text(), at_ms: param.int(), cap_ms: param.int() },
    row: { capped: col.bool() },
    reads: [],
  }),
  lifecycle_dead_letters: read({
    params: endpoint,
    row: { seq: col.int(), id: col.text(), attempts: col.int(), reason: col.text(), at_ms: col.int() },
    reads: [],
  }),
  lifecycle_replay_unknown: read({ params: { ...endpoint, seqs: param.jsonList() }, row: { seq: col.int() }, reads: [] }),
  lifecycle_replay_matching: read({
    params: { ...endpoint, reason: param.text(), seqs: param.jsonList(), all_seqs: param.bool() },
    row: { matched: col.int() },
    reads: [],
  }),
  lifecycle_replays_requested: read({ params: endpoint, row: { requested: col.int() }, reads: [] }),
  lifecycle_replay_pending: read({
    params: { ...endpoint, after: param.int(), limit: param.int() },
    // payload: the announcement, NULL (DuckDB) or '' (ClickHouse) when the log no longer holds it.
    row: { seq: col.int(), dead_at_ms: col.int(), payload: col.textOrNull() },
    reads: [],
  }),

  lifecycle_save_announcements: write({ params: { rows: param.text(), detected_at_ms: param.int() } }),
  lifecycle_save_cursor: write({ params: { watermark_ms: param.intOrNull(), received_ms: param.intOrNull(), saved_at_ms: param.int() } }),
  lifecycle_advance: write({ params: { ...endpoint, seq: param.int(), updated_at_ms: param.int() } }),
  lifecycle_record_sent: write({ params: { ...endpoint, seq: param.int(), customer_id: param.text(), at_ms: param.int() } }),
  lifecycle_record_acknowledged: write({ params: { ...endpoint, seq: param.int(), id: param.text(), kind: param.text(), acknowledged_at_ms: param.int() } }),
  lifecycle_dead_letter: write({
    params: { ...endpoint, seq: param.int(), id: param.text(), attempts: param.int(), reason: param.text(), at_ms: param.int() },
  }),
  lifecycle_dead_letter_drop: write({ params: { ...endpoint, seq: param.int() } }),
  lifecycle_dead_letter_prune: write({ params: { ...endpoint, seq: param.int(), at_ms: param.int() } }),
  lifecycle_request_replay: write({
    params: { ...endpoint, reason: param.text(), seqs: param.jsonList(), all_seqs: param.bool(), requested_at_ms: param.int() },
  }),
  lifecycle_replay_take: write({ params: { ...endpoint, seq: param.int() } }),
  lifecycle_replay_orphans: write({ params: endpoint }),
};
