import type { WriteName } from '../sql/catalogue/index.ts';
import type { NamedWriter, QueryParams, Warehouse } from '../sql/warehouse.ts';
import { backoff, send, suppression, type DeliveryDeps, type DeliverySettings, type Endpoint, type Suppression } from './deliver.ts';
import type { WireAnnouncement } from './wire.ts';
import { sleep } from '../ingest/sleep.ts';

/**
 * Replays of webhook dead letters (docs/lifecycle.md, "Replaying dead letters"). An operator's request is
 * written to the store (`lifecycle_replays`: by the API route, or `carrello webhooks replay` on a store no
 * process holds), and the process that delivers, which alone holds the endpoints' URLs and secrets, takes
 * the requested dead letters at each turn before the log's new announcements: each is sent with the same
 * signing, attempts and backoff as a first delivery and under the same webhook-id (the announcement's id),
 * so a receiver that deduplicates stays right. Acknowledged: the dead letter goes. Refused after every
 * attempt: it stays, with this replay's attempts and reason. The endpoint's position does not move: a
 * replayed announcement reaches the receiver after the later ones of its cart.
 */

/** Which of an endpoint's dead letters to send again: all (no seqs), those seqs, of any reason or of one. */
export interface ReplayRequest {
  seqs?: readonly number[];
  reason?: string;
}

/** What a request did: how many dead letters now wait to be replayed, or the seqs it named that are none. */
export type ReplayQueued = { queued: number } | { unknown_seqs: number[] };

/**
 * Writes a replay request for `endpoint`'s dead letters. A request naming a seq that is not one of its dead
 * letters is refused whole (nothing queued): a mistyped seq must not pass for a replay.
 */
export async function requestReplay(warehouse: Warehouse & NamedWriter, endpoint: string, request: ReplayRequest, nowMs: number): Promise<ReplayQueued> {
  const seqs = JSON.stringify(request.seqs ?? []);
  if (request.seqs !== undefined) {
    const unknown = await warehouse.query('lifecycle_replay_unknown', { endpoint, seqs });
    if (unknown.length > 0) return { unknown_seqs: unknown.map((r) => r.seq) };
  }
  const params = { endpoint, seqs, all_seqs: request.seqs === undefined, reason: request.reason ?? '' };
  const [row] = await warehouse.query('lifecycle_replay_matching', params);
  await warehouse.writeNamed(['lifecycle_request_replay'], { ...params, requested_at_ms: nowMs });
  return { queued: row?.matched ?? 0 };
}

/** How many replays of an endpoint's dead letters wait to be taken. */
export async function replaysRequested(warehouse: Warehouse, endpoint: string): Promise<number> {
  const [row] = await warehouse.query('lifecycle_replays_requested', { endpoint });
  return row?.requested ?? 0;
}

export interface ReplayRun {
  delivered: number;
  /** Refused again after every attempt: kept, with this replay's attempts and reason. */
  deadLettered: number;
  /** No longer to be sent (an order since, the cap…): the dead letter goes, by reason. */
  suppressed: Partial<Record<Suppression, number>>;
  /** The announcement left the log (forgotten) before its replay: the dead letter goes. */
  notInLog: number;
}

const PAGE = 100;

/** Sends `endpoint` the dead letters whose replay is requested, in seq order. */
export async function replayDeadLetters(
  warehouse: Warehouse & NamedWriter,
  endpoint: Endpoint,
  s: DeliverySettings,
  deps: DeliveryDeps = {},
): Promise<ReplayRun> {
  const run: ReplayRun = { delivered: 0, deadLettered: 0, suppressed: {}, notInLog: 0 };
  // One small read per turn when nothing is asked, which is nearly always.
  const requested = await replaysRequested(warehouse, endpoint.name);
  if (requested === 0) return run;
  const now = deps.now ?? Date.now;
  const settle = (names: WriteName[], params: QueryParams) => warehouse.writeNamed(names, { ...params, endpoint: endpoint.name });
  let taken = 0;
  for (let after = 0; ; ) {
    const page = await warehouse.query('lifecycle_replay_pending', { endpoint: endpoint.name, after, limit: PAGE });
    for (const row of page) {
      if (deps.signal?.aborted) return run;
      const seq = row.seq;
      after = seq;
      taken += 1;
      // INVARIANT: the request is taken before anything is sent. A store that cannot delete it (a ClickHouse
      // cluster's Distributed table) then sends nothing, rather than the same again at every turn; a
      // process stopped before the outcome is written leaves the dead letter as it was, to be asked again.
      await settle(['lifecycle_replay_take'], { seq });
      if (typeof row.payload !== 'string' || row.payload === '') {
        run.notInLog += 1;
        await settle(['lifecycle_dead_letter_drop'], { seq });
        continue;
      }
      const announcement = JSON.parse(row.payload) as WireAnnouncement;
      // Evaluated again: an order placed since the dead letter, or a cap reached, still counts. Not the
      // horizon: an operator asked for this one.
      const suppressed = await suppression(warehouse, endpoint, announcement, now(), Number.POSITIVE_INFINITY);
      if (suppressed !== null) {
        run.suppressed[suppressed] = (run.suppressed[suppressed] ?? 0) + 1;
        await settle(['lifecycle_dead_letter_drop'], { seq });
        continue;
      }
      const { reason, attempts } = await sendWithAttempts(endpoint, announcement, s, deps);
      if (deps.signal?.aborted && reason !== '') {
        // Stopped between attempts: asked again, for the next start to take.
        await settle(['lifecycle_request_replay'], { seqs: JSON.stringify([seq]), all_seqs: false, reason: '', requested_at_ms: now() });
        return run;
      }
      if (reason === '') {
        run.delivered += 1;
        const sentAbandonment = announcement.kind === 'cart.abandoned' && typeof announcement.customer_id === 'string';
        // As a first delivery writes it: the cap's row, and the acknowledgement the recovery report counts.
        const names = [
          ...(sentAbandonment ? ['lifecycle_record_sent' as const] : []),
          'lifecycle_record_acknowledged' as const,
          'lifecycle_dead_letter_drop' as const,
        ];
        await settle(names, {
          seq,
          customer_id: announcement.customer_id as string | null,
          at_ms: Date.parse(announcement.at),
          id: announcement.id,
          kind: announcement.kind,
          acknowledged_at_ms: now(),
        });
      } else {
        run.deadLettered += 1;
        // Written anew, then the older row pruned: later than the one it replaces, whatever the clock says.
        const atMs = Math.max(now(), row.dead_at_ms + 1);
        await settle(['lifecycle_dead_letter', 'lifecycle_dead_letter_prune'], { seq, id: announcement.id, attempts, reason, at_ms: atMs });
      }
    }
    if (page.length < PAGE) break;
  }
  // Requests whose dead letter went meanwhile (an earlier replay took it) are not taken: they go.
  if (taken < requested) await warehouse.writeNamed(['lifecycle_replay_orphans'], { endpoint: endpoint.name });
  return run;
}

/** The attempts of deliver.ts for one announcement: '' when acknowledged, else the last reason. */
async function sendWithAttempts(
  endpoint: Endpoint,
  a: WireAnnouncement,
  s: DeliverySettings,
  deps: DeliveryDeps,
): Promise<{ reason: string; attempts: number }> {
  const { signal } = deps;
  const now = deps.now ?? Date.now;
  const body = JSON.stringify(a);
  let reason = 'not sent';
  let attempt = 0;
  for (; attempt < s.maxAttempts && !signal?.aborted; attempt++) {
    if (attempt > 0) await abortableSleep(backoff(attempt, s, deps.random ?? Math.random), signal);
    if (signal?.aborted) break;
    reason = await send(deps.fetch ?? fetch, endpoint, a.id, body, Math.floor(now() / 1000), s.timeoutMs);
    if (reason === '') return { reason, attempts: attempt + 1 };
  }
  return { reason, attempts: attempt };
}

function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return signal ? sleep(ms, signal) : new Promise<void>((resolve) => setTimeout(resolve, ms));
}
