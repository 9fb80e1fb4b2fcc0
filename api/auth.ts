import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * Who may call what: marketing reads funnels, carts and audiences; data also SQL and Arrow; ingest only
 * sends. `public` is the key a shop puts in its pages (the browser SDK): it is no secret, so it may only
 * send events (POST /v1/events), only from its listed origins, under its own rate limits, and reads nothing.
 */
export const ROLES = ['marketing', 'data', 'ingest', 'public', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  role: Role;
  /** sha256 of the key; the key itself is never kept. */
  hash: Buffer;
  /** A short, non-secret name for logs, metrics and rate limits: the hash's first 12 hex digits. */
  id: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * Parses `role:key` pairs (comma- or newline-separated, `#` comments in files). `role:sha256:<64 hex>`
 * gives a key by its hash, so a key file need not hold secrets.
 */
export function parseApiKeys(spec: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const raw of spec.split(/[,\n]/)) {
    const entry = raw.replace(/#.*$/, '').trim();
    if (!entry) continue;
    const colon = entry.indexOf(':');
    const role = entry.slice(0, colon) as Role;
    const secret = entry.slice(colon + 1);
    if (colon < 0 || !ROLES.includes(role)) {
      throw new CarrelloError(
        'invalid_api_keys',
        `API key entry ${JSON.stringify(entry.slice(0, colon < 0 ? 12 : colon))}…: expected role:key with a role among ${ROLES.join(', ')}`,
      );
    }
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(secret);
    if (!hashed && secret.length < 16) throw new CarrelloError('invalid_api_keys', `an API key for role ${role} is shorter than 16 characters`);
    const hash = hashed ? Buffer.from(hashed[1]!, 'hex') : sha256(secret);
    keys.push({ role, hash, id: hash.toString('hex').slice(0, 12) });
  }
  return keys;
}

/** Finds the key presented, comparing hashes in constant time against every configured key. */
export class KeyRing {
  constructor(readonly keys: readonly ApiKey[]) {}

  get enabled(): boolean {
    return this.keys.length > 0;
  }

  find(presented: string): ApiKey | null {
    const hash = sha256(presented);
    let found: ApiKey | null = null;
    // INVARIANT: no early exit, so the time taken does not say which key (or how much of it) matched.
    for (const k of this.keys) if (timingSafeEqual(k.hash, hash) && found === null) found = k;
    return found;
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    /** The API key the request was authenticated with; undefined when no keys are configured. */
    apiKey?: ApiKey;
  }
}

/** The key of a header, or of the `key` query parameter (what navigator.sendBeacon can send: it sets no header). */
function presentedKey(req: Request): { key: string; inUrl: boolean } | null {
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return { key: auth.replace(/^Bearer\s+/i, '').trim(), inUrl: false };
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return { key: header.trim(), inUrl: false };
  const query = req.query.key;
  return typeof query === 'string' ? { key: query, inUrl: true } : null;
}

/** For every /v1 path: with keys configured, a valid key is required (401 otherwise). */
export function authenticate(ring: KeyRing) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!ring.enabled) return next();
    const presented = presentedKey(req);
    if (!presented?.key) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="carrello"');
      throw new CarrelloError('unauthenticated', 'an API key is required: send Authorization: Bearer <key> (or X-API-Key)');
    }
    const key = ring.find(presented.key);
    if (!key) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="carrello", error="invalid_token"');
      throw new CarrelloError('unauthenticated', 'the API key is not valid');
    }
    // URLs end up in access logs, proxies and browser history: only a key that is no secret may travel in one.
    if (presented.inUrl && key.role !== 'public') {
      throw new CarrelloError(
        'unauthenticated',
        `a ${key.role} key may not be sent in the URL (?key=); send it as Authorization: Bearer <key>, and replace it: it may have been logged`,
      );
    }
    req.apiKey = key;
    next();
  };
}

/**
 * For every /v1 path, after authenticate: a public key may POST /v1/events and nothing else (403 for any
 * other route, known or not, so that no route added later is open to it by default), and only with an
 * Origin among `origins`. The Origin check keeps other sites' pages from spending the key; a client that
 * is not a browser can forge an Origin, which is why the key is also rate-limited per client address.
 */
export function confinePublicKeys(origins: readonly string[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.apiKey?.role !== 'public') return next();
    if (req.method !== 'POST' || req.path !== '/events') {
      throw new CarrelloError('forbidden', 'the public role may only send events (POST /v1/events); it reads nothing');
    }
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !origins.includes(origin)) {
      throw new CarrelloError(
        'origin_not_allowed',
        `a public key is only taken from the origins of CARRELLO_PUBLIC_ORIGINS; this request's Origin is ${
          typeof origin === 'string' ? JSON.stringify(origin.slice(0, 200)) : 'missing'
        }`,
      );
    }
    next();
  };
}

/** 403 unless the request's key has one of the roles (admin has them all). No keys configured: allowed. */
export function authorize(req: Request, roles: readonly Role[], what: string): void {
  const key = req.apiKey;
  if (!key || key.role === 'admin' || roles.includes(key.role)) return;
  throw new CarrelloError('forbidden', `the ${key.role} role may not ${what}; roles allowed: ${[...new Set([...roles, 'admin'])].join(', ')}`);
}

export function requireRoles(roles: readonly Role[], what: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    authorize(req, roles, what);
    next();
  };
}

/** Arrow answers are the data team's bulk format: data and admin only. */
export const ARROW_ROLES: readonly Role[] = ['data', 'admin'];
