import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalogue, engineStatements, PARSE_AT_MOST, rowsOf } from './index.ts';

const dialects = ['duckdb', 'clickhouse'] as const;
const dir = (dialect: string) => new URL(`../${dialect}/queries/`, import.meta.url);
const files = (dialect: string) =>
  readdirSync(dir(dialect))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => f.slice(0, -4))
    .sort();
const sql = (dialect: string, name: string) => readFileSync(new URL(`${name}.sql`, dir(dialect)), 'utf8').replace(/--[^\n]*/g, '');
/** The parameters a file names: $name (DuckDB), {name:Type} (ClickHouse). */
const named = (dialect: (typeof dialects)[number], name: string) =>
  [...new Set([...sql(dialect, name).matchAll(dialect === 'duckdb' ? /\$(\w+)/g : /\{(\w+):/g)].map((m) => m[1]!))].sort();

describe('the catalogue of named queries', () => {
  it.each(dialects)('declares every query file of %s, in the catalogue or as the engine’s own statement', (dialect) => {
    const declared = new Set<string>([...Object.keys(catalogue), ...engineStatements[dialect]]);
    expect(files(dialect).filter((f) => !declared.has(f))).toEqual([]);
  });

  it.each(dialects)('has a %s file for every declaration, and for every statement of that engine', (dialect) => {
    const present = new Set(files(dialect));
    expect([...Object.keys(catalogue), ...engineStatements[dialect]].filter((n) => !present.has(n))).toEqual([]);
  });

  it('keeps each engine’s own statements out of the catalogue and the other engine', () => {
    for (const dialect of dialects) {
      const other = new Set(files(dialect === 'duckdb' ? 'clickhouse' : 'duckdb'));
      expect(engineStatements[dialect].filter((n) => n in catalogue || other.has(n))).toEqual([]);
    }
  });

  it.each(dialects)('declares exactly the parameters each %s file names (run through query() or writeNamed())', (dialect) => {
    const mismatched: string[] = [];
    for (const [name, d] of Object.entries(catalogue)) {
      const shape = d.params.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
      // Parameters one dialect alone takes are declared optional (undefined passes), and not required of the other.
      const required = Object.keys(shape)
        .filter((k) => !shape[k]!.safeParse(undefined).success)
        .sort();
      const inFile = named(dialect, name);
      const missing = inFile.filter((k) => !(k in shape));
      const unused = required.filter((k) => !inFile.includes(k));
      if (missing.length > 0 || unused.length > 0) mismatched.push(`${name}: file names ${inFile.join(',')}; declared ${Object.keys(shape).join(',')}`);
    }
    // Statements the adapters run with parameters of their own: forget_lifecycle and retract_events on ClickHouse take Array(String).
    expect(mismatched.filter((m) => !/^(forget_lifecycle|retract_events):/.test(m))).toEqual([]);
  });
});

describe('rows of a named query', () => {
  // given: rows of stats.sql as the engines send them (64-bit integers as strings, NULL on an empty store)
  const raw = { events_stored: '29', events_rejected: 1, carts: '10', first_event_ms: '1772445600000', last_event_ms: null, last_received_ms: 1773100800000 };
  const typed = { events_stored: 29, events_rejected: 1, carts: 10, first_event_ms: 1772445600000, last_event_ms: null, last_received_ms: 1773100800000 };

  it('types them: integers as numbers, NULL kept where declared', () => {
    expect(rowsOf('stats', catalogue.stats, [raw], false)).toEqual([typed]);
  });

  it.each([
    ['an undeclared column', { ...raw, first_event_at: '2026-03-02T10:00:00.000Z' }],
    ['a missing column', { ...raw, last_event_ms: undefined }],
    ['NULL where none is declared', { ...raw, carts: null }],
    ['a text where an integer is declared', { ...raw, carts: 'ten' }],
  ])('refuses %s, naming the query', (_what, row) => {
    expect(() => rowsOf('stats', catalogue.stats, [row], true)).toThrow(/named query stats/);
  });

  it('converts a large answer without zod, to the same values, and still refuses a value of the wrong type', () => {
    const many = Array.from({ length: PARSE_AT_MOST + 1 }, () => raw);
    expect(rowsOf('stats', catalogue.stats, many, false)).toEqual(Array.from({ length: PARSE_AT_MOST + 1 }, () => typed));
    expect(() => rowsOf('stats', catalogue.stats, [...many, { ...raw, carts: null }], false)).toThrow(/named query stats/);
    // ClickHouse's booleans of comparisons (0/1) as booleans, on both paths.
    const capped = Array.from({ length: PARSE_AT_MOST + 1 }, (_, i) => ({ capped: i % 2 }));
    expect(rowsOf('lifecycle_capped', catalogue.lifecycle_capped, capped, false)).toEqual(rowsOf('lifecycle_capped', catalogue.lifecycle_capped, capped, true));
  });

  it('tells the kinds of a union apart by their column, on both paths', () => {
    // given: an audience page of carts and its totals, as DuckDB sends them
    const cart = {
      kind: 'cart',
      cart_id: 'C',
      customer_id: null,
      anonymous_id: 'anon-9',
      stage: 'checkout',
      value_minor: '4990',
      currency: 'EUR',
      items: '1',
      units: '10',
      channel: 'web',
      campaign: null,
      consent_marketing: null,
      started_at: '1772528400000',
      last_activity_at: '1772528460000',
      checkout_started_at: '1772528460000',
      abandoned_at: '1772614860000',
      carts: null,
    };
    const total = {
      kind: 'total',
      cart_id: null,
      customer_id: null,
      anonymous_id: null,
      stage: null,
      value_minor: '4990',
      currency: 'EUR',
      items: null,
      units: null,
      channel: null,
      campaign: null,
      consent_marketing: null,
      started_at: null,
      last_activity_at: null,
      checkout_started_at: null,
      abandoned_at: null,
      carts: '1',
    };
    const page = [...Array.from({ length: PARSE_AT_MOST }, () => cart), total];
    // then: the fast path gives what zod gives, and a total with a cart's column filled is refused by both
    const typed = rowsOf('audience', catalogue.audience, page, true);
    expect(typed[0]).toMatchObject({ kind: 'cart', value_minor: 4990, items: 1, abandoned_at: 1772614860000 });
    expect(typed.at(-1)).toEqual({ ...total, value_minor: 4990, carts: 1 });
    expect(rowsOf('audience', catalogue.audience, page, false)).toEqual(typed);
    for (const strict of [true, false])
      expect(() => rowsOf('audience', catalogue.audience, [...page, { ...total, items: '3' }], strict)).toThrow(/named query audience/);
  });
});
