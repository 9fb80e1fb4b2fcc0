import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CartEvent } from '../contract/events.ts';
import { invalidExamples, validExamples } from '../contract/examples.ts';
import { DEFAULT_SIMULATION, Simulation } from '../simulator/simulation.ts';
import { Rng } from '../simulator/prng.ts';
import { compileFastCheck } from './fastCheck.ts';
import { toRow } from './toRow.ts';
import { validate } from './validate.ts';

const fast = compileFastCheck(CartEvent);

/** The compiled check and zod agree on the value; an accepted one becomes the same row either way. */
function expectSameVerdict(value: unknown): boolean {
  const parsed = CartEvent.safeParse(value);
  expect(fast(value), JSON.stringify(value)).toBe(parsed.success);
  if (parsed.success) expect(toRow(value as CartEvent, '', 'test', 0)).toEqual(toRow(parsed.data, '', 'test', 0));
  return parsed.success;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng.next() * xs.length)]!;
const STRINGS = [
  '',
  'x',
  'a'.repeat(128),
  'a'.repeat(129),
  'b'.repeat(256),
  'b'.repeat(257),
  'EUR',
  'eur',
  'XXX',
  'ABC',
  'USD',
  'web',
  'WEB',
  'fax',
  '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
  '1B4E28BA-2FA1-41D2-883F-0016D3CCA427',
  '1b4e28ba-2fa1-01d2-883f-0016d3cca427',
  '1b4e28ba-2fa1-41d2-c83f-0016d3cca427',
  '00000000-0000-0000-0000-000000000000',
  '2026-03-02T09:15:00.123Z',
  '2026-03-02T09:15:00Z',
  '2026-03-02T09:15:00.123+01:00',
  '2026-03-02T09:15:00.1234Z',
  '2026-02-29T09:15:00.123Z',
  '2028-02-29T09:15:00.123Z',
  '2026-03-02 09:15:00.123Z',
  '2026-03-02t09:15:00.123z',
  'cart.item_added',
  'order.placed',
  '\u0000',
  'cart\u0000',
  '\u0000'.repeat(128),
  'a\u0000b',
];
// Around the contract's money bounds: 10^15 (MAX_AMOUNT_MINOR) alone, and prices whose line value passes it.
const NUMBERS = [
  0,
  1,
  -1,
  1.5,
  2,
  999_999,
  1_000_000,
  1_000_001,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  1e300,
  -0,
  1e15,
  1e15 + 1,
  1e12,
  1e9 + 1,
  2e9,
];
function randomValue(rng: Rng): unknown {
  const r = rng.next();
  if (r < 0.35) return pick(rng, STRINGS);
  if (r < 0.7) return pick(rng, NUMBERS);
  if (r < 0.78) return null;
  if (r < 0.84) return rng.next() < 0.5;
  if (r < 0.9) return undefined;
  if (r < 0.95) return [];
  return {};
}

/** One to three edits anywhere in a copy of the event: a field removed, replaced, or added. */
function mutate(rng: Rng, event: unknown): unknown {
  const copy = structuredClone(event) as Record<string, unknown>;
  for (let n = 1 + Math.floor(rng.next() * 3); n > 0; n--) {
    let target: Record<string, unknown> | unknown[] = copy;
    // Walk down into a nested object or array now and then.
    for (let depth = 0; depth < 3; depth++) {
      const nested = Object.entries(target).filter(([, v]) => typeof v === 'object' && v !== null);
      if (nested.length === 0 || rng.next() < 0.5) break;
      target = pick(rng, nested)[1] as Record<string, unknown>;
    }
    const keys = Object.keys(target);
    const key = rng.next() < 0.9 && keys.length > 0 ? pick(rng, keys) : 'unexpected_key';
    const t = target as Record<string, unknown>;
    if (rng.next() < 0.2) delete t[key];
    else if (key === 'items' && rng.next() < 0.3) t[key] = rng.next() < 0.5 ? [] : Array.from({ length: 1001 }, () => (t[key] as unknown[])[0]);
    else if (key === 'to_quantity' && rng.next() < 0.5) t[key] = t.from_quantity;
    else t[key] = randomValue(rng);
  }
  return copy;
}

describe('compileFastCheck(CartEvent)', () => {
  it('agrees with zod on every contract example, valid and invalid', () => {
    for (const e of validExamples()) expect(expectSameVerdict(JSON.parse(e.text))).toBe(true);
    for (const e of invalidExamples()) {
      const value = JSON.parse(e.text) as unknown;
      expect(fast(value)).toBe(false);
      expectSameVerdict(value);
    }
  });

  it("agrees with zod on 20,000 mutated events, and validate() gives zod's reasons", () => {
    // given simulated events of every type and the contract's examples, edited at random
    const rng = new Rng('fast-check-parity');
    const sim = new Simulation(Date.parse('2026-03-01T00:00:00.000Z'), { ...DEFAULT_SIMULATION, seed: 'fast-check', cartsPerDay: 200 });
    const seeds: unknown[] = [...sim.until(Date.parse('2026-03-03T00:00:00.000Z'))].map((m) => m.body).slice(0, 500);
    seeds.push(...validExamples().map((e) => JSON.parse(e.text) as unknown));
    let accepted = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const value = mutate(rng, pick(rng, seeds));
      // then the compiled check says yes exactly when zod does
      if (expectSameVerdict(value)) accepted++;
      else {
        refused++;
        // and a refused event gets the reason zod gives
        const outcome = validate(value);
        expect(outcome.ok).toBe(false);
        if (!outcome.ok && outcome.rejection.reason === 'schema_violation') {
          const first = CartEvent.safeParse(value).error!.issues[0]!;
          expect(outcome.rejection.field).toBe(first.path.length === 0 ? null : first.path.map(String).join('.'));
        }
      }
    }
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(10_000);
  });

  it('refuses to compile a construct it does not know, rather than checking it loosely', () => {
    expect(() => compileFastCheck(z.object({ site: z.url() }))).toThrow(/string format url is not supported/);
    expect(() => compileFastCheck(z.record(z.string(), z.number()))).toThrow(/zod type record is not supported/);
    expect(() => compileFastCheck(z.number().multipleOf(5))).toThrow(/check multiple_of is not supported/);
  });
});
