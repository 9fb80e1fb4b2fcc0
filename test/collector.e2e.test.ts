import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invalidExamples, validExamples } from '../ingest/contract/examples.ts';
import { startCarrello, type CarrelloProcess } from './support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'carrello-collector-'));
let server: CarrelloProcess;

beforeAll(async () => {
  server = await startCarrello(['--no-demo', '--store', `duckdb:${join(dir, 'c.duckdb')}`]);
});
afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
  rmSync(dir, { recursive: true, force: true });
});

const post = (body: BodyInit, type = 'application/json') => fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': type }, body });

describe('POST /v1/events', () => {
  it('answers 202 with the accepted count and each refused event by index and reason', async () => {
    const valid = validExamples()
      .slice(0, 3)
      .map((e) => JSON.parse(e.text) as unknown);
    const invalid = invalidExamples().find((e) => e.name === 'unknown_currency')!;
    const res = await post(JSON.stringify([valid[0], JSON.parse(invalid.text), valid[1], valid[2]]));
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: 3,
      rejected: [{ index: 1, reason: 'schema_violation', field: 'currency', detail: 'currency: unknown ISO 4217 currency code' }],
    });
    const stats = (await (await fetch(`${server.url}/v1/stats`)).json()) as Record<string, unknown>;
    expect(stats).toMatchObject({ events_stored: 3, events_rejected: 1, rejected_by_reason: { schema_violation: 1 } });
  });

  it('takes NDJSON, refusing a broken line on its own', async () => {
    const lines = [validExamples()[3]!.text.replace(/\n\s*/g, ''), '{"truncated": ', '', validExamples()[4]!.text.replace(/\n\s*/g, '')];
    const res = await post(lines.join('\r\n'), 'application/x-ndjson');
    expect(res.status).toBe(202);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; reason: string }[] };
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => [r.index, r.reason])).toEqual([[1, 'invalid_json']]);
  });

  it('refuses a body that is not JSON with 400 problem+json', async () => {
    const res = await post('[{"event_id": ');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it.each([
    [
      'a mixed array',
      () => JSON.stringify([JSON.parse(validExamples()[0]!.text), JSON.parse(invalidExamples().find((e) => e.name === 'unknown_currency')!.text)]),
    ],
    ['one object', () => validExamples()[1]!.text],
    ['a broken array', () => '[{"event_id": '],
    ['an empty body', () => ''],
    ['bytes after the array', () => '[] x'],
    ['1,001 events', () => JSON.stringify(Array(1_001).fill({}))],
    ['a body over 1 MiB', () => `[${' '.repeat(1024 * 1024)}]`],
  ])('reads a text/plain body (what sendBeacon sends) exactly as application/json: %s', async (_name, body) => {
    const answer = async (type: string) => {
      const res = await post(body(), type);
      const { instance: _instance, ...json } = (await res.json()) as Record<string, unknown>;
      return [res.status, json];
    };
    const asJson = await answer('application/json');
    expect(await answer('text/plain;charset=UTF-8')).toEqual(asJson);
  });

  it('refuses another content type with 415', async () => {
    const res = await post('event_id=1', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(415);
    expect(await res.json()).toMatchObject({ code: 'unsupported_media_type' });
  });

  it('refuses more than 1,000 events with 413, and stores none of them', async () => {
    const before = ((await (await fetch(`${server.url}/v1/stats`)).json()) as { events_stored: number }).events_stored;
    const tiny = { type: 'cart.checkout_started' };
    const res = await post(JSON.stringify(Array.from({ length: 1_001 }, () => tiny)));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({
      code: 'too_many_events',
      detail: 'the request holds 1001 events; the limit is 1000 per request (collector_max_events)',
    });
    const after = ((await (await fetch(`${server.url}/v1/stats`)).json()) as { events_stored: number }).events_stored;
    expect(after).toBe(before);
  });

  it('refuses a body over 1 MiB with 413', async () => {
    const res = await post(new Uint8Array(1024 * 1024 + 1).fill(0x20), 'application/x-ndjson');
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'body_too_large' });
  });

  it('serves /healthz', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(await res.json()).toEqual({ status: 'ok', store: 'duckdb' });
  });
});
