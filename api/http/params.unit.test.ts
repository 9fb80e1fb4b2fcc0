import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CarrelloError } from '../../errors/carrelloError.ts';
import { decodeCursor, encodeCursor } from '../../projections/audiences.ts';
import { duration, instant, MAX_DURATION_DAYS, resolveWindow, when } from './params.ts';

const NOW = Date.parse('2026-03-01T00:00:00.000Z');
const DAY = 86_400_000;

describe('resolveWindow, shared by every endpoint that takes from / to / as_of', () => {
  it.each([
    ['from after to', { from: NOW, to: NOW - DAY }, 'body', { status: 400, code: 'invalid_request', errors: [{ in: 'body', field: 'from' }] }],
    ['from equal to to', { from: NOW, to: NOW }, 'query', { status: 400, code: 'invalid_request', errors: [{ in: 'query', field: 'from' }] }],
    ['a from after the default to (as_of, now)', { from: NOW + DAY }, 'query', { status: 400, code: 'invalid_request' }],
    ['401 days', { from: NOW - 401 * DAY, to: NOW }, 'query', { status: 400, code: 'range_too_large', extra: { limit: 400, limit_name: 'max_range_days' } }],
  ] as const)('refuses %s', (_name, q, where, expected) => {
    let caught: unknown;
    try {
      resolveWindow(q, where, NOW);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CarrelloError);
    const e = caught as CarrelloError;
    expect({
      status: e.status,
      code: e.code,
      ...('errors' in expected ? { errors: e.details.errors } : {}),
      ...('extra' in expected ? { extra: e.details } : {}),
    }).toMatchObject(expected);
  });

  it('fills the defaults (as_of now, to as_of, from 30 days before) and takes exactly 400 days', () => {
    expect(resolveWindow({}, 'query', NOW)).toEqual({ from: NOW - 30 * DAY, to: NOW, as_of: NOW, tz: 'UTC' });
    expect(resolveWindow({ from: NOW - 399 * DAY, as_of: NOW + DAY }, 'body', NOW)).toEqual({
      from: NOW - 399 * DAY,
      to: NOW + DAY,
      as_of: NOW + DAY,
      tz: 'UTC',
    });
  });

  const iso = (ms: number) => new Date(ms).toISOString();
  const resolved = (q: Record<string, string>, shopTz = 'UTC', now = NOW) => {
    const parsed = Object.fromEntries(Object.entries(q).map(([k, v]) => [k, k === 'tz' ? v : when.parse(v)]));
    const w = resolveWindow(parsed, 'query', now, shopTz);
    return [iso(w.from), iso(w.to), iso(w.as_of), w.tz];
  };

  it("takes a date as its local midnight in the answer's zone: 23 and 25 hours at Rome's changes, a day ahead at UTC+13", () => {
    expect(resolved({ from: '2026-03-29', to: '2026-03-30', as_of: '2026-04-01' }, 'Europe/Rome')).toEqual([
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
      '2026-03-31T22:00:00.000Z',
      'Europe/Rome',
    ]);
    expect(resolved({ from: '2026-10-25', to: '2026-10-26', as_of: '2026-11-01', tz: 'Europe/Rome' })).toEqual([
      '2026-10-24T22:00:00.000Z',
      '2026-10-25T23:00:00.000Z',
      '2026-10-31T23:00:00.000Z',
      'Europe/Rome',
    ]);
    expect(resolved({ from: '2026-06-01', to: '2026-06-02', as_of: '2026-07-01' }, 'Pacific/Tongatapu')).toEqual([
      '2026-05-31T11:00:00.000Z',
      '2026-06-01T11:00:00.000Z',
      '2026-06-30T11:00:00.000Z',
      'Pacific/Tongatapu',
    ]);
    // An instant with a zone stays that instant whatever the zone.
    expect(resolved({ from: '2026-03-29T00:00:00Z', to: '2026-03-30T00:00:00+02:00', as_of: '2026-04-01T00:00:00Z' }, 'Europe/Rome').slice(0, 2)).toEqual([
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T22:00:00.000Z',
    ]);
  });

  it('counts today, yesterday and -Nd in local days back from as_of (or now), across a change', () => {
    // as_of 2026-03-30 10:00 in Rome (CEST): today is 03-30 00:00 CEST, -1d 03-29 00:00 CET (a 23-hour day back), -7d 03-23.
    const asOf = '2026-03-30T08:00:00Z';
    expect(resolved({ from: '-1d', to: 'today', as_of: asOf }, 'Europe/Rome').slice(0, 2)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(resolved({ from: '-7d', as_of: asOf }, 'Europe/Rome').slice(0, 2)).toEqual(['2026-03-22T23:00:00.000Z', '2026-03-30T08:00:00.000Z']);
    expect(resolved({ from: 'yesterday', to: 'today' }, 'UTC', Date.parse(asOf)).slice(0, 2)).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-30T00:00:00.000Z']);
  });

  it.each(['2026-02-30', '2026-13-01', '-401d', '-1w', 'tomorrow', '2026-03-01T00:00:00', '26-03-01'])(
    'refuses %s as a point in time, saying what it takes',
    (value) => {
      const r = when.safeParse(value);
      expect(r.success).toBe(false);
      expect(r.error!.issues[0]!.message).toContain('a date (2026-03-01), today, yesterday or -Nd');
    },
  );
});

describe('the parameter parsers never throw and never give a number a store cannot take', () => {
  const HOSTILE: unknown[] = [
    '',
    ' ',
    '0',
    '-0',
    '+0',
    'NaN',
    'Infinity',
    '-Infinity',
    '1e308',
    '1e400',
    '99999999999999999999w',
    '9007199254740993',
    '9'.repeat(400),
    '1.'.repeat(100),
    '1h1h',
    '0x10',
    '١٢h',
    '24H',
    '2026-03-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999-23:59',
    '+275760-09-13T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-03-01T24:00:00Z',
    'x'.repeat(100_000),
    ['1h', '2h'],
    ['2026-03-01T00:00:00Z', '2026-03-02T00:00:00Z'],
    {},
    null,
    undefined,
    1,
    -1,
  ];
  const parsers = [
    ['duration', duration],
    ['instant', instant],
    ['limit-like (z.coerce.number().int())', z.coerce.number().int().min(1).max(1_000)],
  ] as const;

  it.each(parsers)('%s: each hostile value is a safe integer or a zod refusal', (_name, schema) => {
    for (const value of HOSTILE) {
      const result = (schema as z.ZodType).safeParse(value);
      if (result.success) expect(Number.isSafeInteger(result.data), JSON.stringify(value)?.slice(0, 40)).toBe(true);
    }
  });

  it.each([
    ['99999999999999999999w', false],
    [`${MAX_DURATION_DAYS}d`, MAX_DURATION_DAYS * DAY],
    [`${MAX_DURATION_DAYS * 24}.001h`, false],
    ['1.5h', 5_400_000],
    ['0', 0],
  ] as const)('duration %s → %s', (value, expected) => {
    const result = duration.safeParse(value);
    expect(result.success ? result.data : false).toBe(expected);
  });
});

describe('decodeCursor accepts what encodeCursor wrote and nothing a store cannot compare', () => {
  const b64 = (json: string) => Buffer.from(json).toString('base64url');
  it.each([[{ a: NOW, c: 'cart-1' }], [{ a: NOW, c: null }], [{ a: Date.parse('1900-01-01T00:00:00Z'), c: 'x'.repeat(128) }]])('round-trips %j', (c) => {
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
  });

  it.each([
    '{"a":1e308,"c":null}',
    '{"a":9007199254740993,"c":null}',
    '{"a":1.5,"c":null}',
    '{"a":"1","c":null}',
    '{"a":1}',
    '{"a":1,"c":""}',
    `{"a":1,"c":"${'x'.repeat(129)}"}`,
    '{"a":1,"c":null,"d":0}',
    'null',
    '[1]',
    '1',
    'not json',
    '',
  ])('refuses %s as invalid_cursor', (json) => {
    expect(() => decodeCursor(b64(json))).toThrow(expect.objectContaining({ code: 'invalid_cursor' }));
  });
});
