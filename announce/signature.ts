import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as the Standard Webhooks specification has them (www.standardwebhooks.com), so that a
 * receiver can verify carrello's deliveries with any of that project's libraries or with the recipe in the
 * README: headers `webhook-id` (the announcement's id, the same on every retry), `webhook-timestamp` (Unix
 * seconds of this attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256>`, several separated by spaces
 * while a secret is rotated), signed over `<id>.<timestamp>.<raw body>` with the key that the secret
 * `whsec_<base64>` encodes. The timestamp is signed, so a receiver refuses replays by refusing old ones.
 */

export const SECRET_PREFIX = 'whsec_';
/** How far a delivery's timestamp may be from the receiver's clock (either way): the specification's 5 minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

export type Verdict = { ok: true } | { ok: false; reason: 'missing_header' | 'bad_timestamp' | 'timestamp_out_of_tolerance' | 'bad_signature' };

/** A new endpoint secret: 32 random bytes. */
export function newSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The HMAC key a secret stands for; refuses a secret that is not `whsec_` and base64. */
export function secretKey(secret: string): Buffer {
  const body = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  const key = Buffer.from(body, 'base64');
  if (body.length === 0 || key.length < 16 || key.toString('base64').replace(/=+$/, '') !== body.replace(/=+$/, '')) {
    throw new Error(`a webhook secret is "${SECRET_PREFIX}" followed by at least 16 bytes in base64`);
  }
  return key;
}

/** The headers of one delivery attempt: signed with every secret given (the new one first while rotating). */
export function signDelivery(secrets: readonly string[], id: string, timestampSeconds: number, body: string): SignedHeaders {
  const content = `${id}.${timestampSeconds}.${body}`;
  const signatures = secrets.map((s) => `v1,${createHmac('sha256', secretKey(s)).update(content, 'utf8').digest('base64')}`);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': signatures.join(' ') };
}

/**
 * What a receiver does: the headers must all be there, the timestamp within the tolerance of its clock,
 * and one of the signatures must be the body's under the secret (compared in constant time).
 */
export function verifyDelivery(
  secret: string,
  headers: Partial<Record<keyof SignedHeaders, string | undefined>>,
  body: string,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): Verdict {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing_header' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  if (Math.abs(nowSeconds - Number(timestamp)) > toleranceSeconds) return { ok: false, reason: 'timestamp_out_of_tolerance' };
  const expected = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest();
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || value === undefined) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'bad_signature' };
}
