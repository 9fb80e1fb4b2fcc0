import type { CartEvent } from '../contract/events.ts';
import { CarrelloError, codeGuard, isCarrelloError } from '../../errors/carrelloError.ts';
import { eventRefused } from '../kafka/errors.ts';
import { DEFAULT_MAX_EVENT_BYTES } from '../pipeline/decode.ts';
import { processMessage } from '../pipeline/process.ts';

export interface CollectorClientOptions {
  /** carrello's base URL, e.g. `https://carrello.internal:8080`. */
  url: string;
  /** An `ingest` key (sent as Authorization: Bearer). */
  key?: string;
  /** Events per request (default 1,000, the collector's default limit). */
  batchSize?: number;
  /** Attempts per request before send() rejects (default 8). */
  maxAttempts?: number;
  /** First wait between attempts (default 250 ms), doubling up to maxBackoffMs (default 30 s), with jitter; Retry-After wins. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** An attempt unanswered by then failed (default 30 s). */
  timeoutMs?: number;
}

/**
 * The collector refused the request (`collector_refused`: a 4xx other than 429, with `details.http_status`
 * and the collector's own `details.collector_code`) or never accepted it (`collector_gave_up`, after
 * maxAttempts); nothing of the failed request is known stored. Also works with `instanceof`.
 */
export const CollectorRequestError = codeGuard('collector_refused', 'collector_gave_up');
export type CollectorRequestError = CarrelloError<'collector_refused' | 'collector_gave_up'>;

export interface SendResult {
  accepted: number;
  rejected: { index: number; reason: string; field: string | null; detail: string }[];
}

/**
 * The producer SDK over HTTP, for services that cannot reach Kafka: send() checks every event against the
 * contract first (a refused event rejects the call, nothing is sent), posts them to `POST /v1/events` and
 * resolves once the collector answered 202, which means durable. Network errors, 5xx and 429 are retried
 * with backoff and jitter (Retry-After honoured); event ids make a retried request store nothing twice.
 */
export class CollectorClient {
  private readonly endpoint: string;

  constructor(private readonly opts: CollectorClientOptions) {
    this.endpoint = new URL('/v1/events', opts.url).toString();
  }

  async send(events: readonly CartEvent[]): Promise<SendResult> {
    const bodies = events.map((e) => {
      const raw = Buffer.from(JSON.stringify(e) ?? 'null');
      const p = processMessage({ raw, source: 'producer', sourceRef: null, receivedAtMs: Date.now() }, DEFAULT_MAX_EVENT_BYTES);
      if (p.kind === 'rejected') throw eventRefused(p.rejection);
      return raw.toString('utf8');
    });
    const size = this.opts.batchSize ?? 1_000;
    const result: SendResult = { accepted: 0, rejected: [] };
    for (let i = 0; i < bodies.length; i += size) {
      const answer = await this.post(`${bodies.slice(i, i + size).join('\n')}\n`);
      result.accepted += answer.accepted;
      result.rejected.push(...answer.rejected.map((r) => ({ ...r, index: r.index + i })));
    }
    return result;
  }

  private async post(ndjson: string): Promise<SendResult> {
    const maxAttempts = this.opts.maxAttempts ?? 8;
    const headers: Record<string, string> = { 'content-type': 'application/x-ndjson' };
    if (this.opts.key) headers.authorization = `Bearer ${this.opts.key}`;
    let last = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let wait: number | null = null;
      try {
        const res = await fetch(this.endpoint, { method: 'POST', headers, body: ndjson, signal: AbortSignal.timeout(this.opts.timeoutMs ?? 30_000) });
        if (res.status === 202) return (await res.json()) as SendResult;
        const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
        last = `${res.status} ${problem.code ?? ''}: ${problem.detail ?? ''}`;
        if (res.status < 500 && res.status !== 429) {
          throw new CarrelloError('collector_refused', `the collector refused the request: ${last}`, {
            http_status: res.status,
            collector_code: problem.code ?? null,
          });
        }
        const retryAfter = Number(res.headers.get('retry-after'));
        if (res.headers.has('retry-after') && Number.isFinite(retryAfter)) wait = retryAfter * 1_000;
      } catch (err) {
        if (isCarrelloError(err, 'collector_refused')) throw err;
        last = (err as Error).message;
      }
      if (attempt < maxAttempts) await new Promise((r) => setTimeout(r, wait ?? this.backoff(attempt)));
    }
    throw new CarrelloError('collector_gave_up', `no 202 after ${maxAttempts} attempts; the last: ${last}`, { attempts: maxAttempts });
  }

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.maxBackoffMs ?? 30_000, (this.opts.minBackoffMs ?? 250) * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}
