import express, { type Request, type Response, type Router } from 'express';
import type { z } from 'zod';
import { JSON_TYPES, mediaType, NDJSON_TYPES, rawBody, unavailable, type CollectorOptions } from '../collector.ts';
import { jsonEvents, ndjsonEvents } from '../framing.ts';
import { decode } from '../pipeline/decode.ts';
import type { SnapshotIngest } from './ingest.ts';
import { parseShopify, SHOPIFY_SOURCE, SHOPIFY_TOPICS, shopifySnapshot, verifyShopifyHmac } from './shopify.ts';
import { CartSnapshot } from './snapshot.ts';
import { CarrelloError, isCarrelloError } from '../../errors/carrelloError.ts';

const MAX_ISSUES = 20;

interface SnapshotIssue {
  index: number;
  field: string | null;
  detail: string;
}

/**
 * `POST /v1/cart-snapshots`: one snapshot (a JSON object), a JSON array of them, or NDJSON; bounded like the
 * collector (body bytes, and at most collector_max_events snapshots). All or nothing: a request holding an
 * invalid snapshot is refused whole (400 invalid_snapshot, each problem with its index and field), since
 * the order of a cart's snapshots is what its events are derived from. 202 once the snapshots and every
 * event derived from them are durable.
 */
export function snapshotsRouter(ingest: SnapshotIngest, opts: CollectorOptions): Router {
  const router = express.Router();
  router.post('/v1/cart-snapshots', checkContentType, rawBody(opts.maxBodyBytes), async (req: Request, res: Response) => {
    const receivedAtMs = Date.now();
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let parts: Uint8Array[];
    try {
      parts = NDJSON_TYPES.includes(mediaType(req)) ? ndjsonEvents(body) : jsonEvents(body);
    } catch (err) {
      if (!isCarrelloError(err, 'invalid_json')) throw err;
      const { offset } = err.details;
      throw new CarrelloError(
        'invalid_json',
        `the body is not a JSON array of snapshots: ${err.message} (byte ${String(offset)}); nothing was stored`,
        { offset },
        { cause: err },
      );
    }
    if (parts.length > opts.maxEvents) {
      throw new CarrelloError(
        'too_many_snapshots',
        `the request holds ${parts.length} snapshots; the limit is ${opts.maxEvents} per request (collector_max_events)`,
        {
          limit: opts.maxEvents,
          limit_name: 'collector_max_events',
        },
      );
    }
    const snapshots: CartSnapshot[] = [];
    const issues: SnapshotIssue[] = [];
    for (const [index, raw] of parts.entries()) {
      const decoded = decode(raw, opts.maxBodyBytes);
      if (!decoded.ok) {
        issues.push({ index, field: decoded.rejection.field, detail: decoded.rejection.detail });
        continue;
      }
      const parsed = CartSnapshot.safeParse(decoded.value.json);
      if (parsed.success) snapshots.push(parsed.data);
      else for (const i of parsed.error.issues) issues.push(issueOf(index, i));
    }
    if (issues.length > 0) throw refused(issues);
    res.status(202).json(await handOver(ingest, snapshots, 'api', receivedAtMs));
  });
  return router;

  function checkContentType(req: Request, _res: Response, next: () => void): void {
    const type = mediaType(req);
    // Not text/plain: that is the browser's way in for events only; snapshots come from servers.
    if ((type !== 'text/plain' && JSON_TYPES.includes(type)) || NDJSON_TYPES.includes(type)) return next();
    throw new CarrelloError(
      'unsupported_media_type',
      `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted; send application/json or application/x-ndjson`,
    );
  }
}

export interface ShopifyWebhookOptions {
  /** The shop's webhook signing secret (CARRELLO_SHOPIFY_SECRET). */
  secret: string;
  /** The shop's currency, for payloads that name none (CARRELLO_SHOPIFY_CURRENCY). */
  currency: string | null;
  maxBodyBytes: number;
}

/**
 * `POST /v1/shopify/webhooks`: Shopify's cart, checkout and order webhooks (shopify.ts). Authenticated by
 * the HMAC of the raw body alone (Shopify sends no API key): a missing or wrong signature is 401 and
 * nothing is read or stored. A topic carrello does not map is acknowledged (200, ignored) so that Shopify
 * does not retry it.
 */
export function shopifyRouter(ingest: SnapshotIngest, opts: ShopifyWebhookOptions): Router {
  const router = express.Router();
  router.post('/v1/shopify/webhooks', rawBody(opts.maxBodyBytes), async (req: Request, res: Response) => {
    const receivedAtMs = Date.now();
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    if (!verifyShopifyHmac(body, header(req, 'x-shopify-hmac-sha256'), opts.secret)) {
      throw new CarrelloError(
        'invalid_signature',
        "X-Shopify-Hmac-Sha256 is missing or is not the HMAC-SHA256 of the body with the shop's secret; nothing was stored",
      );
    }
    const topic = header(req, 'x-shopify-topic') ?? '';
    if (SHOPIFY_TOPICS[topic] === undefined) {
      res.status(200).json({ ignored: true, topic });
      return;
    }
    let snapshot: CartSnapshot;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
      const mapped = shopifySnapshot(topic, parseShopify(text), { currency: opts.currency, webhookId: header(req, 'x-shopify-webhook-id') ?? null });
      const parsed = CartSnapshot.safeParse(mapped);
      if (!parsed.success) throw refused(parsed.error.issues.map((i) => issueOf(0, i)));
      snapshot = parsed.data;
    } catch (err) {
      if (isCarrelloError(err, 'invalid_shopify_payload')) throw refused([{ index: 0, field: String(err.details.field), detail: err.message }]);
      if (err instanceof SyntaxError || err instanceof TypeError) throw refused([{ index: 0, field: null, detail: `the body is not JSON: ${err.message}` }]);
      throw err;
    }
    res.status(202).json(await handOver(ingest, [snapshot], SHOPIFY_SOURCE, receivedAtMs));
  });
  return router;
}

async function handOver(ingest: SnapshotIngest, snapshots: readonly CartSnapshot[], source: string, receivedAtMs: number) {
  try {
    return await ingest.ingest(snapshots, source, receivedAtMs);
  } catch (err) {
    throw unavailable(err);
  }
}

function header(req: Request, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

function issueOf(index: number, i: z.core.$ZodIssue): SnapshotIssue {
  const field = i.path.length === 0 ? null : i.path.map(String).join('.');
  return { index, field, detail: `${field ?? '(snapshot)'}: ${i.message}` };
}

function refused(issues: SnapshotIssue[]): CarrelloError<'invalid_snapshot'> {
  const first = issues[0]!;
  return new CarrelloError(
    'invalid_snapshot',
    `snapshot ${first.index}: ${first.detail}${issues.length > 1 ? ` (and ${issues.length - 1} more problems)` : ''}; nothing was stored`,
    {
      errors: issues.slice(0, MAX_ISSUES),
    },
  );
}
