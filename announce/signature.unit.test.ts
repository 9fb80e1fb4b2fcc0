import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { newSecret, secretKey, signDelivery, verifyDelivery } from './signature.ts';

const SECRET = `whsec_${Buffer.from('carrello-test-secret-0123456789ab').toString('base64')}`;
const ID = '94967c21-5b37-5722-928e-37452156457d';
const NOW = 1_780_000_000;
const BODY = JSON.stringify({ type: 'cart.abandoned', id: ID, data: { cart_id: 'cart-1', value_minor: 15598, currency: 'EUR' } });

describe('webhook signatures (Standard Webhooks)', () => {
  it('signs <id>.<timestamp>.<body> with HMAC-SHA256 under the key the secret encodes, as a receiver recomputes it by hand', () => {
    const headers = signDelivery([SECRET], ID, NOW, BODY);
    // The recipe of the README, step by step, with nothing of carrello's.
    const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const mine = createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${BODY}`).digest('base64');
    expect(headers).toEqual({ 'webhook-id': ID, 'webhook-timestamp': String(NOW), 'webhook-signature': `v1,${mine}` });
    expect(verifyDelivery(SECRET, headers, BODY, NOW)).toEqual({ ok: true });
  });

  it.each([
    ['a tampered body', (h: Record<string, string>) => ({ h, body: BODY.replace('15598', '15599') }), 'bad_signature'],
    ['another secret', (h: Record<string, string>) => ({ h, body: BODY, secret: newSecret() }), 'bad_signature'],
    ['another id (a replay of the body under a new id)', (h: Record<string, string>) => ({ h: { ...h, 'webhook-id': 'msg-2' }, body: BODY }), 'bad_signature'],
    ['a timestamp moved forward', (h: Record<string, string>) => ({ h: { ...h, 'webhook-timestamp': String(NOW + 1) }, body: BODY }), 'bad_signature'],
    ['no signature header', (h: Record<string, string>) => ({ h: { ...h, 'webhook-signature': '' }, body: BODY }), 'missing_header'],
    ['a timestamp that is not a number', (h: Record<string, string>) => ({ h: { ...h, 'webhook-timestamp': '1e9' }, body: BODY }), 'bad_timestamp'],
  ])('refuses %s', (_name, change, reason) => {
    const { h, body, secret } = change({ ...signDelivery([SECRET], ID, NOW, BODY) }) as { h: Record<string, string>; body: string; secret?: string };
    expect(verifyDelivery(secret ?? SECRET, h, body, NOW)).toEqual({ ok: false, reason });
  });

  it('refuses a delivery replayed more than 5 minutes later, or stamped more than 5 minutes ahead', () => {
    const headers = signDelivery([SECRET], ID, NOW, BODY);
    expect(verifyDelivery(SECRET, headers, BODY, NOW + 300)).toEqual({ ok: true });
    expect(verifyDelivery(SECRET, headers, BODY, NOW + 301)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
    expect(verifyDelivery(SECRET, headers, BODY, NOW - 301)).toEqual({ ok: false, reason: 'timestamp_out_of_tolerance' });
  });

  it('signs with the new and the old secret while one is rotated, so receivers holding either verify', () => {
    const next = newSecret();
    const headers = signDelivery([next, SECRET], ID, NOW, BODY);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyDelivery(SECRET, headers, BODY, NOW)).toEqual({ ok: true });
    expect(verifyDelivery(next, headers, BODY, NOW)).toEqual({ ok: true });
  });

  it.each(['', 'whsec_', 'secret-without-prefix', 'whsec_c2hvcnQ=', 'whsec_not base64 at all!'])(
    'refuses the secret %j, naming the form it needs',
    (secret) => {
      expect(() => secretKey(secret)).toThrow('a webhook secret is "whsec_" followed by at least 16 bytes in base64');
    },
  );
});

describe("the receivers' snippet in the README", () => {
  it('verifies a delivery carrello signed now, and refuses it tampered or under another secret', async () => {
    const doc = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const snippet = /```ts\n(import \{ createHmac[\s\S]*?)```/.exec(doc)?.[1];
    expect(snippet).toContain('export function verifyCarrello');
    // The snippet as a reader would paste it: compiled as it stands, then imported.
    const dir = mkdtempSync(join(tmpdir(), 'carrello-snippet-'));
    try {
      const file = join(dir, 'verify.mjs');
      writeFileSync(file, ts.transpileModule(snippet!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
      const { verifyCarrello } = (await import(pathToFileURL(file).href)) as { verifyCarrello: (s: string, h: Record<string, string>, b: string) => boolean };
      const headers = { ...signDelivery([SECRET], ID, Math.floor(Date.now() / 1000), BODY) };
      expect(verifyCarrello(SECRET, headers, BODY)).toBe(true);
      expect(verifyCarrello(SECRET, headers, BODY.replace('15598', '15599'))).toBe(false);
      expect(verifyCarrello(newSecret(), headers, BODY)).toBe(false);
      expect(verifyCarrello(SECRET, { ...signDelivery([SECRET], ID, Math.floor(Date.now() / 1000) - 3_600, BODY) }, BODY)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
