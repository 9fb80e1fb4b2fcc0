import express, { type Request, type Response, type Router } from 'express';
import { OverloadedError } from './pipeline/batcher.ts';
import type { InboundMessage } from './pipeline/message.ts';
import type { IngestPipeline } from './pipeline/pipeline.ts';

export interface CollectorOptions {
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes: number;
  /** Most events in one request (default 1,000). */
  maxEvents: number;
}

export const DEFAULT_COLLECTOR: CollectorOptions = { maxBodyBytes: 1024 * 1024, maxEvents: 1_000 };

const JSON_TYPES = ['application/json'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/** An error the API edge turns into problem+json; `code` is stable, `status` is the HTTP status. */
export class CollectorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * `POST /v1/events`: a JSON array (or one object) or NDJSON. Answers 202 only once every event of
 * the request, stored or refused, is durable in the warehouse.
 */
export function collectorRouter(pipeline: IngestPipeline, opts: CollectorOptions = DEFAULT_COLLECTOR): Router {
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: opts.maxBodyBytes });

  router.post('/v1/events', checkContentType, raw, async (req: Request, res: Response) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const receivedAtMs = Date.now();
    const isNdjson = NDJSON_TYPES.includes(mediaType(req));
    const messages = isNdjson ? splitNdjson(body, receivedAtMs) : splitJson(body, receivedAtMs);
    if (messages.length > opts.maxEvents) {
      throw new CollectorError(413, 'too_many_events', `the request holds ${messages.length} events; the limit is ${opts.maxEvents} per request`);
    }
    try {
      const result = await pipeline.ingest(messages);
      res.status(202).json(result);
    } catch (err) {
      if (err instanceof OverloadedError) throw new CollectorError(503, 'overloaded', err.message, { 'Retry-After': '1' });
      throw new CollectorError(503, 'store_unavailable', `events could not be stored, none was accepted: ${(err as Error).message}`, {
        'Retry-After': '5',
      });
    }
  });
  return router;

  function checkContentType(req: Request, _res: Response, next: () => void): void {
    const type = mediaType(req);
    if (JSON_TYPES.includes(type) || NDJSON_TYPES.includes(type)) return next();
    throw new CollectorError(
      415,
      'unsupported_media_type',
      `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted; send application/json (an array of events) or application/x-ndjson`,
    );
  }
}

function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

function splitJson(body: Buffer, receivedAtMs: number): InboundMessage[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new CollectorError(400, 'invalid_json', `the body is not JSON: ${(err as Error).message}`);
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  return items.map((json, index) => {
    const text = JSON.stringify(json);
    return { raw: Buffer.from(text), parsed: { json, text }, source: 'collector', sourceRef: `request#${index}`, receivedAtMs };
  });
}

function splitNdjson(body: Buffer, receivedAtMs: number): InboundMessage[] {
  const messages: InboundMessage[] = [];
  let start = 0;
  while (start < body.length) {
    let end = body.indexOf(0x0a, start);
    if (end === -1) end = body.length;
    let line = body.subarray(start, end);
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    // Blank lines separate nothing; every other line is one event, refused on its own if broken.
    if (line.some((b) => b !== 0x20 && b !== 0x09)) {
      messages.push({ raw: line, source: 'collector', sourceRef: `request#${messages.length}`, receivedAtMs });
    }
    start = end + 1;
  }
  return messages;
}
