import express, { type Request, type Response, type Router } from 'express';
import { CarrelloError } from '../../errors/carrelloError.ts';

/** Most origins one setting may list: the list is compared on every request. */
const MAX_ORIGINS = 100;

/**
 * `https://shop.example,https://www.shop.example` → the exact origins (scheme, host, port; no path, no
 * wildcard): an origin is compared as the browser sends it, so anything else would never match.
 */
export function parseOrigins(spec: string): string[] {
  const origins: string[] = [];
  for (const raw of spec.split(',')) {
    const entry = raw.trim();
    if (!entry) continue;
    let origin: string | null = null;
    try {
      origin = new URL(entry).origin;
    } catch {
      origin = null;
    }
    if (origin === null || origin === 'null' || origin !== entry || !/^https?:/.test(entry) || entry.includes('*')) {
      throw new Error(
        `${JSON.stringify(entry.slice(0, 100))} is not an exact origin such as https://shop.example (http or https, no path, no trailing slash, no wildcard)`,
      );
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  if (origins.length > MAX_ORIGINS) throw new Error(`${origins.length} origins listed; at most ${MAX_ORIGINS}`);
  return origins;
}

/** How long a browser may keep an answered preflight (seconds). */
const PREFLIGHT_MAX_AGE = '600';

/**
 * Cross-origin sending for `POST /v1/events` only, and only from the configured origins: the listed
 * origin is echoed in Access-Control-Allow-Origin (never `*`, never credentials), the collector's
 * Retry-After and rate-limit headers are exposed so a page can back off, and a preflight is answered
 * for POST /v1/events alone. No origin configured: no CORS header at all, every preflight refused.
 * Reading routes get no CORS: a page of another origin can never read an answer of the API.
 */
export function corsForEvents(allowed: readonly string[]): Router {
  const router = express.Router();
  const listed = (req: Request): string | null => {
    const origin = req.headers.origin;
    return typeof origin === 'string' && allowed.includes(origin) ? origin : null;
  };

  router.options('/v1/events', (req: Request, res: Response) => {
    const origin = listed(req);
    res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers');
    if (origin === null) {
      throw new CarrelloError(
        'cors_origin_not_allowed',
        allowed.length === 0
          ? 'cross-origin requests are not enabled on this collector (CARRELLO_CORS_ORIGINS is empty)'
          : `the origin ${JSON.stringify(String(req.headers.origin ?? '').slice(0, 200))} is not among CARRELLO_CORS_ORIGINS`,
      );
    }
    const method = req.headers['access-control-request-method'];
    if (method !== 'POST') {
      throw new CarrelloError(
        'cors_method_not_allowed',
        `only POST is allowed across origins on /v1/events, not ${JSON.stringify(String(method ?? '').slice(0, 20))}`,
      );
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Authorization, X-API-Key');
    res.setHeader('Access-Control-Max-Age', PREFLIGHT_MAX_AGE);
    res.status(204).end();
  });

  router.post('/v1/events', (req: Request, res: Response, next: () => void) => {
    if (allowed.length > 0) res.setHeader('Vary', 'Origin');
    const origin = listed(req);
    if (origin !== null) {
      // Set before anything answers, so that refusals (401, 403, 413, 429, 503) are readable by the page too.
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Retry-After, RateLimit, RateLimit-Policy');
    }
    next();
  });
  return router;
}
