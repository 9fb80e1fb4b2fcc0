import type { LifecycleKind } from '../projections/lifecycle.ts';
import type { WriteName } from '../sql/catalogue/index.ts';
import type { NamedWriter, QueryParams, Warehouse } from '../sql/warehouse.ts';
import { announcementsAfter } from './log.ts';
import type { WireAnnouncement } from './wire.ts';
import { signDelivery } from './signature.ts';
import { sleep as abortableSleep } from '../ingest/sleep.ts';

/**
 * Webhook delivery of the announcement log (docs/lifecycle.md): each endpoint takes the log in seq order,
 * one announcement at a time, so each cart's announcements reach it in the cart's order. An announcement
 * is sent until the endpoint acknowledges it (any 2xx) or every attempt failed (then it is dead-lettered
 * with the last reason); the endpoint's position moves past it in the store only then. A process stopped
 * between the acknowledgement and that write sends it once more on restart, under the same webhook-id: a
 * receiver deduplicates on it. An endpoint that is down holds its position and is tried again, so a
 * receiver that comes back gets everything it missed.
 */

export interface Endpoint {
  /** A stable name: the store keeps the endpoint's position under it. */
  name: string;
  url: string;
  /** Signing secrets, `whsec_…`: the current one first; two while one is rotated. */
  secrets: string[];
  /** Only these kinds are sent (the others are passed over); all when absent. */
  kinds?: LifecycleKind[];
  /** Send abandonments of carts without a customer id (nobody can be written to): false by default. */
  anonymous?: boolean;
  /** Abandonments of carts worth less (minor units of the cart's currency) are not sent; 0 by default. */
  min_value_minor?: number;
  /** At most one abandonment per customer within this many hours (by the abandonments' own times); 24 by default, 0 for no cap. */
  cap_hours?: number;
}

export interface DeliverySettings {
  /** An attempt without an answer by then has failed. */
  timeoutMs: number;
  /** Attempts per announcement before it is dead-lettered. */
  maxAttempts: number;
  /** Waits between attempts: doubling from min to max, each with ±50 % jitter. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /**
   * Announcements that happened longer ago than this are kept in the log but not sent: a backfill (last
   * month's events loaded today) does not flood receivers.
   */
  horizonMs: number;
}

/** Why an announcement was not sent to an endpoint (a metric label). */
export type Suppression = 'kind_not_asked' | 'older_than_horizon' | 'no_consent' | 'anonymous' | 'below_min_value' | 'ordered_since' | 'capped';

const DEFAULT_CAP_HOURS = 24;

export interface DeliveryRun {
  delivered: number;
  deadLettered: number;
  /** Not sent, by reason. */
  suppressed: Partial<Record<Suppression, number>>;
}

export interface DeliveryDeps {
  fetch?: typeof fetch;
  now?: () => number;
  random?: () => number;
  /** Stops a run between attempts and between announcements (a stopping process does not wait out a backoff). */
  signal?: AbortSignal;
}

const PAGE = 100;

/** Sends an endpoint everything after its position in the log, as far as the log goes now. */
export async function deliver(warehouse: Warehouse & NamedWriter, endpoint: Endpoint, s: DeliverySettings, deps: DeliveryDeps = {}): Promise<DeliveryRun> {
  const doFetch = deps.fetch ?? fetch;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const signal = deps.signal;
  // The shared sleep removes its abort listener when the wait ends: a long run of retries leaves none behind.
  const sleep = (ms: number) => (signal ? abortableSleep(ms, signal) : new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const run: DeliveryRun = { delivered: 0, deadLettered: 0, suppressed: {} };
  // Suppressed announcements move the position without a write of their own: it is written with the next
  // send's, or once at the end of the page (a restart before that evaluates them again, which only ever
  // suppresses as much: orders, caps and age only grow).
  let unwritten = false;
  const advance = async (names: WriteName[], params: QueryParams, seq: number) => {
    // INVARIANT: the position moves only after the endpoint acknowledged (or the dead letter is kept), and
    // the record of that acknowledgement (lifecycle_acknowledged, and lifecycle_sent for the cap) or the dead
    // letter is written with it, in the same write (DuckDB: one transaction; ClickHouse: the records first, the
    // position after them).
    await warehouse.writeNamed([...names, 'lifecycle_advance'], { ...params, endpoint: endpoint.name, seq, updated_at_ms: now() });
    unwritten = false;
  };
  let reached = await deliveredSeq(warehouse, endpoint.name);
  for (;;) {
    const page = await announcementsAfter(warehouse, reached, PAGE);
    if (page.length === 0) break;
    for (const { seq, announcement } of page) {
      if (signal?.aborted) break;
      // Evaluated now, just before sending, not when the announcement was found: an order placed since counts.
      const suppressed = await suppression(warehouse, endpoint, announcement, now(), s.horizonMs);
      if (suppressed !== null) {
        run.suppressed[suppressed] = (run.suppressed[suppressed] ?? 0) + 1;
        reached = seq;
        unwritten = true;
        continue;
      }
      const body = JSON.stringify(announcement);
      let reason = 'not sent';
      let attempt = 0;
      for (; attempt < s.maxAttempts && !signal?.aborted; attempt++) {
        if (attempt > 0) await sleep(backoff(attempt, s, random));
        // Stopped while waiting: the position stays, and the next run sends this one again.
        if (signal?.aborted) break;
        reason = await send(doFetch, endpoint, announcement.id, body, Math.floor(now() / 1000), s.timeoutMs);
        if (reason === '') break;
      }
      if (signal?.aborted && reason !== '') break;
      if (reason === '') {
        run.delivered += 1;
        // What the recovery report counts as announced (every acknowledgement) and what the cap counts (an
        // abandonment with a customer), kept with the position.
        const sentAbandonment = announcement.kind === 'cart.abandoned' && typeof announcement.customer_id === 'string';
        await advance(
          [...(sentAbandonment ? ['lifecycle_record_sent' as const] : []), 'lifecycle_record_acknowledged'],
          {
            customer_id: announcement.customer_id as string | null,
            at_ms: Date.parse(announcement.at),
            id: announcement.id,
            kind: announcement.kind,
            acknowledged_at_ms: now(),
          },
          seq,
        );
      } else {
        run.deadLettered += 1;
        await advance(['lifecycle_dead_letter'], { id: announcement.id, attempts: attempt, reason, at_ms: now() }, seq);
      }
      reached = seq;
    }
    if (unwritten) await advance([], {}, reached);
    if (signal?.aborted) break;
  }
  return run;
}

/**
 * Why an announcement is not to be sent to this endpoint now (null: send it). The suppressions of a
 * campaign (consent, anonymous carts, a minimum value, an order placed since in any cart, the cap per
 * customer) apply to abandonments; returns and recoveries go to whoever asked for them.
 */
export async function suppression(
  warehouse: Warehouse,
  endpoint: Endpoint,
  a: WireAnnouncement,
  nowMs: number,
  horizonMs: number,
): Promise<Suppression | null> {
  if (endpoint.kinds && !endpoint.kinds.includes(a.kind as LifecycleKind)) return 'kind_not_asked';
  if (Date.parse(a.at) < nowMs - horizonMs) return 'older_than_horizon';
  if (a.kind !== 'cart.abandoned') return null;
  if (a.consent_marketing === false) return 'no_consent';
  if (a.customer_id === null && endpoint.anonymous !== true) return 'anonymous';
  if (typeof a.value_minor === 'number' && a.value_minor < (endpoint.min_value_minor ?? 0)) return 'below_min_value';
  if (typeof a.customer_id === 'string') {
    const [row] = await warehouse.query('lifecycle_ordered_since', { customer_id: a.customer_id, since_ms: Date.parse(a.at) });
    if (truthy(row?.ordered)) return 'ordered_since';
    const capMs = (endpoint.cap_hours ?? DEFAULT_CAP_HOURS) * 3_600_000;
    if (capMs > 0) {
      const [cap] = await warehouse.query('lifecycle_capped', { endpoint: endpoint.name, customer_id: a.customer_id, at_ms: Date.parse(a.at), cap_ms: capMs });
      if (truthy(cap?.capped)) return 'capped';
    }
  }
  return null;
}

/** A boolean as either engine answers it (DuckDB true, ClickHouse 1 or "1"). */
function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === '1';
}

/** One attempt: '' when acknowledged, else why not. */
export async function send(doFetch: typeof fetch, endpoint: Endpoint, id: string, body: string, timestampSeconds: number, timeoutMs: number): Promise<string> {
  try {
    const res = await doFetch(endpoint.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'carrello-webhooks/1', ...signDelivery(endpoint.secrets, id, timestampSeconds, body) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    return res.status >= 200 && res.status < 300 ? '' : `http_${res.status}`;
  } catch (err) {
    const e = err as Error;
    return e.name === 'TimeoutError' ? 'timeout' : `network: ${e.message}`;
  }
}

/** The wait before attempt `attempt` (1, 2, …): min·2^(attempt−1), at most max, times a jitter in [0.5, 1.5). */
export function backoff(attempt: number, s: Pick<DeliverySettings, 'minBackoffMs' | 'maxBackoffMs'>, random: () => number): number {
  const base = Math.min(s.maxBackoffMs, s.minBackoffMs * 2 ** (attempt - 1));
  return Math.round(base * (0.5 + random()));
}

/** An endpoint's dead letters, in seq order. */
export async function deadLetters(warehouse: Warehouse, endpoint: string): Promise<{ seq: number; id: string; attempts: number; reason: string }[]> {
  const rows = await warehouse.query('lifecycle_dead_letters', { endpoint });
  return rows.map(({ seq, id, attempts, reason }) => ({ seq, id, attempts, reason }));
}

/** The last seq of the announcement log (0 when empty). */
export async function logHead(warehouse: Warehouse): Promise<number> {
  const [head] = await warehouse.query('lifecycle_head');
  return head?.seq ?? 0;
}

/** The seq up to which an endpoint has every announcement acknowledged, suppressed or dead-lettered. */
export async function deliveredSeq(warehouse: Warehouse, endpoint: string): Promise<number> {
  const [row] = await warehouse.query('lifecycle_delivered', { endpoint });
  return row?.delivered_seq ?? 0;
}
