import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './problem.ts';

/** Who may call what: marketing reads funnels, carts and audiences; data also SQL and Arrow; ingest only sends. */
export const ROLES = ['marketing', 'data', 'ingest', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKey {
  role: Role;
  /** sha256 of the key; the key itself is never kept. */
  hash: Buffer;
  /** A short, non-secret name for logs, metrics and rate limits: the hash's first 12 hex digits. */
  id: string;
}

export class ApiKeyConfigError extends Error {
  readonly code = 'invalid_api_keys';
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
      throw new ApiKeyConfigError(`API key entry ${JSON.stringify(entry.slice(0, colon < 0 ? 12 : colon))}…: expected role:key with a role among ${ROLES.join(', ')}`);
    }
    const hashed = /^sha256:([0-9a-f]{64})$/i.exec(secret);
    if (!hashed && secret.length < 16) throw new ApiKeyConfigError(`an API key for role ${role} is shorter than 16 characters`);
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

function presentedKey(req: Request): string | null {
  const auth = req.headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = req.headers['x-api-key'];
  return typeof header === 'string' ? header.trim() : null;
}

/** For every /v1 path: with keys configured, a valid key is required (401 otherwise). */
export function authenticate(ring: KeyRing) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!ring.enabled) return next();
    const presented = presentedKey(req);
    if (!presented) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="carrello"');
      throw new ApiError(401, 'unauthenticated', 'an API key is required: send Authorization: Bearer <key> (or X-API-Key)');
    }
    const key = ring.find(presented);
    if (!key) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="carrello", error="invalid_token"');
      throw new ApiError(401, 'unauthenticated', 'the API key is not valid');
    }
    req.apiKey = key;
    next();
  };
}

/** 403 unless the request's key has one of the roles (admin has them all). No keys configured: allowed. */
export function authorize(req: Request, roles: readonly Role[], what: string): void {
  const key = req.apiKey;
  if (!key || key.role === 'admin' || roles.includes(key.role)) return;
  throw new ApiError(403, 'forbidden', `the ${key.role} role may not ${what}; roles allowed: ${[...new Set([...roles, 'admin'])].join(', ')}`);
}

export function requireRoles(roles: readonly Role[], what: string) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    authorize(req, roles, what);
    next();
  };
}

/** Arrow answers are the data team's bulk format: data and admin only. */
export const ARROW_ROLES: readonly Role[] = ['data', 'admin'];
