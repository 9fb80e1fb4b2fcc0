import { ok, reject, type Outcome } from './outcome.ts';

export const DEFAULT_MAX_EVENT_BYTES = 64 * 1024;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface Decoded {
  json: unknown;
  text: string;
}

/** Step 1: bytes → JSON value. Refuses oversized messages before looking inside them. */
export function decode(raw: Uint8Array, maxBytes = DEFAULT_MAX_EVENT_BYTES): Outcome<Decoded> {
  if (raw.byteLength > maxBytes) {
    return reject('oversized', `message is ${raw.byteLength} bytes; the limit is ${maxBytes}`);
  }
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    return reject('invalid_utf8', 'message is not valid UTF-8');
  }
  try {
    return ok({ json: JSON.parse(text) as unknown, text });
  } catch (err) {
    return reject('invalid_json', `message is not JSON: ${(err as Error).message}`);
  }
}
