/**
 * Hostile and careless event bytes get the same verdict whichever way they come to the collector: as an
 * element of a JSON array, as a single-object JSON body, or as an NDJSON line (the Kafka path runs the same
 * decode step: kafka.poison.e2e.test.ts). Each refused event is kept in rejected_events, and the valid events
 * of the same request are stored, on both engines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileEvents, validEvent, type HostileEvent } from './fixtures/hostile.ts';
import { startAppOn } from './support/app.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import { tempDuckDb } from './support/tempStore.ts';

type Framing = 'JSON array' | 'JSON single object' | 'NDJSON';
const FRAMINGS: Framing[] = ['JSON array', 'JSON single object', 'NDJSON'];
const CASES = hostileEvents().flatMap((h) => FRAMINGS.map((f) => [h.name, f, h] as [string, Framing, HostileEvent]));

/** The request body: the hostile event between two valid ones (alone for a single-object body). */
function body(framing: Framing, hostile: Buffer): { type: string; bytes: Buffer; valid: number; index: number } {
  if (framing === 'JSON single object') return { type: 'application/json', bytes: hostile, valid: 0, index: 0 };
  const [a, b] = [Buffer.from(JSON.stringify(validEvent())), Buffer.from(JSON.stringify(validEvent()))];
  if (framing === 'NDJSON')
    return { type: 'application/x-ndjson', bytes: Buffer.concat([a, Buffer.from('\n'), hostile, Buffer.from('\n'), b]), valid: 2, index: 1 };
  return {
    type: 'application/json',
    bytes: Buffer.concat([Buffer.from('[\n'), a, Buffer.from(',\n  '), hostile, Buffer.from(' ,'), b, Buffer.from(']')]),
    valid: 2,
    index: 1,
  };
}

describe.each([
  ['DuckDB', tempDuckDb],
  ['ClickHouse (chdb)', () => tempClickHouse('hostile')],
] as const)('POST /v1/events with hostile event bytes, on %s', (_engine, open) => {
  let app: { url: string; stop: () => Promise<void> };
  beforeAll(async () => {
    app = await startAppOn(await open());
  });
  afterAll(async () => {
    await app?.stop();
  });
  const stats = async () =>
    (await (await fetch(`${app.url}/v1/stats`)).json()) as { events_stored: number; events_rejected: number; rejected_by_reason: Record<string, number> };

  it.each(CASES)('refuses %s sent as %s with its reason, and stores the valid events beside it', async (_name, framing, hostile) => {
    const before = await stats();
    const req = body(framing, hostile.bytes);
    const res = await fetch(`${app.url}/v1/events`, { method: 'POST', headers: { 'content-type': req.type }, body: new Uint8Array(req.bytes) });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({
      accepted: req.valid,
      rejected: [{ index: req.index, reason: hostile.reason, field: hostile.field, detail: hostile.detail }],
    });
    const after = await stats();
    expect(after.events_stored - before.events_stored).toBe(req.valid);
    expect(after.events_rejected - before.events_rejected).toBe(1);
    expect((after.rejected_by_reason[hostile.reason] ?? 0) - (before.rejected_by_reason[hostile.reason] ?? 0)).toBe(1);
  });

  it.each([
    ['an unclosed array', '[{"a":1}', 'the array opened at byte 0 is not closed (byte 8)'],
    ['a trailing comma', '[{"a":1},]', 'an element is empty (a comma before "]") (byte 9)'],
    ['bytes after the array', '[{"a":1}] x', 'bytes follow the array closed at byte 8 (byte 10)'],
    ['an empty body', ' \n', 'the body is empty; send a JSON array of events or one event (byte 0)'],
  ])('refuses a JSON body whose events cannot be told apart (%s) with 400 invalid_json, storing nothing', async (_name, text, where) => {
    const before = await stats();
    const res = await fetch(`${app.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({
      status: 400,
      code: 'invalid_json',
      detail: `the body is not a JSON array of events: ${where}; nothing was stored`,
    });
    const after = await stats();
    expect([after.events_stored, after.events_rejected]).toEqual([before.events_stored, before.events_rejected]);
  });
});
