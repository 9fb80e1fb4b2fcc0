import express, { type Request, type Response, type Router } from 'express';
import { CarrelloError, isCarrelloError } from '../errors/carrelloError.ts';
import { jsonEvents, ndjsonEvents } from './framing.ts';
import type { EventIngress } from './ingress.ts';
import type { InboundMessage } from './pipeline/message.ts';

export interface CollectorOptions {
  /** Largest request body in bytes (default 1 MiB). */
  maxBodyBytes: number;
  /** Most events in one request (default 1,000). */
  maxEvents: number;
}

export const DEFAULT_COLLECTOR: CollectorOptions = { maxBodyBytes: 1024 * 1024, maxEvents: 1_000 };

/**
 * `text/plain` is what navigator.sendBeacon sends (and the one body type a page can POST across origins
 * without a preflight): its body is read exactly as an `application/json` one, same limits, same errors.
 */
export const JSON_TYPES = ['application/json', 'text/plain'];
export const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl'];

/**
 * `POST /v1/events`: a JSON array (or one object) or NDJSON. Answers 202 only once every event of
 * the request, stored or refused, is durable: in the warehouse (embedded mode), or acknowledged by
 * Kafka with acks=all (Kafka mode: valid events on the event topic, refused ones on the dead-letter topic).
 */
export function collectorRouter(ingress: EventIngress, opts: CollectorOptions = DEFAULT_COLLECTOR): Router {
  const router = express.Router();
  const raw = rawBody(opts.maxBodyBytes);

  router.post('/v1/events', checkContentType, raw, async (req: Request, res: Response) => {
    const body: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const receivedAtMs = Date.now();
    const isNdjson = NDJSON_TYPES.includes(mediaType(req));
    const messages = split(body, isNdjson, receivedAtMs);
    if (messages.length > opts.maxEvents) {
      throw new CarrelloError(
        'too_many_events',
        `the request holds ${messages.length} events; the limit is ${opts.maxEvents} per request (collector_max_events)`,
        {
          limit: opts.maxEvents,
          limit_name: 'collector_max_events',
        },
      );
    }
    try {
      const result = await ingress.ingest(messages);
      res.status(202).json(result);
    } catch (err) {
      throw unavailable(err);
    }
  });
  return router;

  function checkContentType(req: Request, _res: Response, next: () => void): void {
    const type = mediaType(req);
    if (JSON_TYPES.includes(type) || NDJSON_TYPES.includes(type)) return next();
    throw new CarrelloError(
      'unsupported_media_type',
      `Content-Type ${JSON.stringify(req.headers['content-type'] ?? '')} is not accepted; send application/json (an array of events; text/plain is read the same way) or application/x-ndjson`,
    );
  }
}

/** Reads the body as bytes, up to the collector's limit (413 body_too_large beyond it). */
export function rawBody(maxBodyBytes: number) {
  const readBody = express.raw({ type: () => true, limit: maxBodyBytes });
  return (req: Request, res: Response, next: (err?: unknown) => void): void =>
    readBody(req, res, (err?: unknown) => {
      if ((err as { type?: unknown } | undefined)?.type !== 'entity.too.large') return next(err);
      next(
        new CarrelloError(
          'body_too_large',
          `the request body is larger than the limit of ${maxBodyBytes} bytes (collector_max_body_bytes); send fewer events per request`,
          {
            limit: maxBodyBytes,
            limit_name: 'collector_max_body_bytes',
          },
        ),
      );
    });
}

/** Every failure to hand a request over is a 503 with Retry-After (errors/codes.ts): the producer must send it again. */
export function unavailable(err: unknown): CarrelloError<'overloaded' | 'kafka_unavailable' | 'store_unavailable'> {
  const message = (err as Error).message;
  if (isCarrelloError(err, 'overloaded', 'producer_backpressure')) return new CarrelloError('overloaded', message, {}, { cause: err });
  if (isCarrelloError(err, 'kafka_unavailable', 'producer_closed')) {
    return new CarrelloError('kafka_unavailable', `events could not be handed to Kafka; send them again: ${message}`, {}, { cause: err });
  }
  return new CarrelloError('store_unavailable', `events could not be stored, none was accepted: ${message}`, {}, { cause: err });
}

export function mediaType(req: Request): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Each event's bytes as a message; decoding, and refusing, is the pipeline's decode step (ingest/framing.ts). */
function split(body: Buffer, isNdjson: boolean, receivedAtMs: number): InboundMessage[] {
  let events: Uint8Array[];
  try {
    events = isNdjson ? ndjsonEvents(body) : jsonEvents(body);
  } catch (err) {
    if (!isCarrelloError(err, 'invalid_json')) throw err;
    const { offset } = err.details;
    throw new CarrelloError(
      'invalid_json',
      `the body is not a JSON array of events: ${err.message} (byte ${String(offset)}); nothing was stored`,
      { offset },
      { cause: err },
    );
  }
  return events.map((raw, index) => ({ raw, source: 'collector', sourceRef: `request#${index}`, receivedAtMs }));
}
