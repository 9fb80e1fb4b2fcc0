/**
 * Cart snapshots in: kept durably, then each touched cart's events derived again from all its snapshots
 * (derive.ts, a pure function of them) and the store brought to exactly that set of derived events:
 * the ones missing are written through the ingest pipeline (validated and stored like any event), and
 * stored ones the snapshots no longer give (a late snapshot changed the diff of its span) are retracted.
 *
 * Why store derived events and retract, rather than derive at read time: every answer (funnels, carts,
 * audiences, lifecycle) reads `events` and the read models kept from them; derived events stored there
 * serve all of it unchanged, on both engines, at the cost of a delete and a refold of the cart when a
 * late snapshot changes what was derived (rare: a snapshot arriving after a later one of its cart).
 */
import type { DerivedRetractor, NamedWriter, Warehouse } from '../../sql/warehouse.ts';
import type { EventIngress } from '../ingress.ts';
import { Mutex } from '../../sql/mutex.ts';
import type { InboundMessage } from '../pipeline/message.ts';
import { deriveCart, SNAPSHOT_SOURCE, type DerivedEvent } from './derive.ts';
import { canonicalJson, CartSnapshot, withId, type KeptSnapshot } from './snapshot.ts';
import { CarrelloError } from '../../errors/carrelloError.ts';

export type SnapshotStore = Pick<Warehouse, 'query'> & NamedWriter & DerivedRetractor;

export interface SnapshotResult {
  /** Snapshots stored by this request. */
  accepted: number;
  /** Snapshots already stored under their id (sent before): nothing changed for them. */
  duplicates: number;
  /** Derived events written now (missing from the store). */
  events_derived: number;
  /** Derived events taken back: the cart's snapshots no longer give them. */
  events_retracted: number;
}

const encoder = new TextEncoder();

export class SnapshotIngest {
  /**
   * INVARIANT: one request's carts at a time, so that a cart's derivation reads every snapshot stored before
   * it and the events it compares against are not being changed by another. One process writes snapshots
   * (docs/snapshots.md says so for a fleet).
   */
  private readonly lock = new Mutex();

  constructor(
    private readonly store: SnapshotStore,
    private readonly events: EventIngress,
  ) {}

  /** Resolves once every snapshot and every event derived from it is durable; rejects otherwise (send again). */
  ingest(snapshots: readonly CartSnapshot[], source: string, receivedAtMs: number): Promise<SnapshotResult> {
    return this.lock.run(async () => {
      const result: SnapshotResult = { accepted: 0, duplicates: 0, events_derived: 0, events_retracted: 0 };
      const byCart = new Map<string, KeptSnapshot[]>();
      for (const s of snapshots.map(withId)) {
        const of = byCart.get(s.cart_id);
        if (of) of.push(s);
        else byCart.set(s.cart_id, [s]);
      }
      const carts: { cartId: string; all: KeptSnapshot[] }[] = [];
      const fresh: KeptSnapshot[] = [];
      for (const [cartId, incoming] of byCart) {
        const stored = await this.storedSnapshots(cartId);
        const own = new Map<string, KeptSnapshot>();
        for (const s of incoming) {
          if (stored.has(s.snapshot_id) || own.has(s.snapshot_id)) result.duplicates += 1;
          else own.set(s.snapshot_id, s);
        }
        fresh.push(...own.values());
        carts.push({ cartId, all: [...stored.values(), ...own.values()] });
      }
      // INVARIANT: snapshots are durable before any event derived from them, so that a request that fails
      // after this point, sent again, finds them and derives the same events (the derivation always runs,
      // even when every snapshot is a duplicate, and brings the cart's events to what they should be).
      for (const chunk of chunks(fresh.map((s) => rowOf(s, source, receivedAtMs)))) {
        await this.store.writeNamed(['cart_snapshot_insert'], { rows: JSON.stringify(chunk) });
      }
      result.accepted = fresh.length;
      // Every cart's derivation against what is stored, then the missing events in one hand-over (one batch).
      const missing: DerivedEvent[] = [];
      const stale: { cartId: string; ids: string[] }[] = [];
      for (const { cartId, all } of carts) {
        const derived = deriveCart(all);
        const have = new Set((await this.store.query('snapshot_derived_ids', { cart_id: cartId })).map((r) => r.event_id));
        missing.push(...derived.filter((e) => !have.has(e.event_id)));
        const want = new Set(derived.map((e) => e.event_id));
        stale.push({ cartId, ids: [...have].filter((id) => !want.has(id)) });
      }
      if (missing.length > 0) {
        const written = await this.events.ingest(missing.map((e) => messageOf(e, receivedAtMs)));
        if (written.rejected.length > 0) {
          const r = written.rejected[0]!;
          throw new CarrelloError('derived_refused', `a derived event was refused (${r.reason}: ${r.detail})`, { reason: r.reason, field: r.field });
        }
      }
      result.events_derived = missing.length;
      // Retracted after the new ones are written: a failure in between leaves a cart with both until the
      // request is sent again, never with neither.
      for (const { cartId, ids } of stale) result.events_retracted += await this.store.retractDerived(cartId, ids);
      return result;
    });
  }

  private async storedSnapshots(cartId: string): Promise<Map<string, KeptSnapshot>> {
    const rows = await this.store.query('cart_snapshots_of', { cart_id: cartId });
    return new Map(
      rows.map((r) => {
        const s = withId(CartSnapshot.parse(JSON.parse(r.snapshot)));
        return [s.snapshot_id, s];
      }),
    );
  }
}

/** Rows in inserts of at most ~256 KiB of JSON: a ClickHouse server takes parameters in the URL, whose size it bounds. */
const INSERT_CHUNK_CHARS = 256 * 1024;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const row of rows) {
    const n = JSON.stringify(row).length;
    if (current.length > 0 && size + n > INSERT_CHUNK_CHARS) {
      out.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += n;
  }
  if (current.length > 0) out.push(current);
  return out;
}

function rowOf(s: KeptSnapshot, source: string, receivedAtMs: number) {
  return {
    cart_id: s.cart_id,
    snapshot_id: s.snapshot_id,
    occurred_at_ms: Date.parse(s.occurred_at),
    received_at_ms: receivedAtMs,
    source,
    customer_id: s.customer_id ?? null,
    anonymous_id: s.anonymous_id ?? null,
    snapshot: canonicalJson(s),
  };
}

function messageOf(e: DerivedEvent, receivedAtMs: number): InboundMessage {
  const text = JSON.stringify(e);
  return { raw: encoder.encode(text), parsed: { json: e, text }, source: SNAPSHOT_SOURCE, sourceRef: `snapshot:${e.derived.snapshot_id}`, receivedAtMs };
}
