import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CartEvent } from '../contract/events.ts';
import { DEFAULT_SIMULATION, Simulation } from './simulation.ts';

const START = Date.parse('2026-10-01T00:00:00.000Z');
const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'carrello-sim-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function simulateToFile(name: string, seed: string): Buffer {
  const out = join(dir, name);
  execFileSync(
    process.execPath,
    [
      'bin/carrello.js',
      'simulate',
      '--seed',
      seed,
      '--days',
      '2',
      '--end',
      '2026-10-03T00:00:00.000Z',
      '--out',
      out,
      '--duplicate-rate',
      '0.01',
      '--invalid-rate',
      '0.01',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return readFileSync(out);
}

describe('traffic simulator', () => {
  it('writes byte-identical NDJSON twice for the same seed, and different traffic for another seed', () => {
    const a = simulateToFile('a.ndjson', 'seed-1');
    const b = simulateToFile('b.ndjson', 'seed-1');
    const c = simulateToFile('c.ndjson', 'seed-2');
    expect(a.length).toBeGreaterThan(10_000);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('produces contract-valid events in time order, within the simulated range, with per-cart sequences', () => {
    const sim = new Simulation(START, { ...DEFAULT_SIMULATION, seed: 'order' });
    const lastSeq = new Map<string, number>();
    let previous = -Infinity;
    let n = 0;
    for (const m of sim.until(START + 3 * DAY)) {
      const event = CartEvent.parse(m.body);
      expect(m.at).toBeGreaterThanOrEqual(previous);
      expect(m.at).toBe(Date.parse(event.occurred_at));
      expect(m.at).toBeLessThanOrEqual(START + 3 * DAY);
      expect(event.sequence).toBe((lastSeq.get(event.cart_id) ?? -1) + 1);
      lastSeq.set(event.cart_id, event.sequence!);
      previous = m.at;
      n++;
    }
    // ~400 carts a day at ~5.7 events each.
    expect(n).toBeGreaterThan(3 * 400 * 4);
    expect(n).toBeLessThan(3 * 400 * 8);
  });

  it('mixes in the behaviour marketing asks about: removals, quantity changes, checkouts, orders, returns days later', () => {
    const sim = new Simulation(START, { ...DEFAULT_SIMULATION, seed: 'mix' });
    const counts = new Map<string, number>();
    const span = new Map<string, [number, number]>();
    const channels = new Set<string>();
    let anonymous = 0;
    for (const m of sim.until(START + 7 * DAY)) {
      const e = CartEvent.parse(m.body);
      counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
      const s = span.get(e.cart_id) ?? [m.at, m.at];
      span.set(e.cart_id, [s[0], m.at]);
      channels.add(e.channel);
      if (e.customer_id === null) anonymous++;
    }
    for (const t of ['cart.item_added', 'cart.item_removed', 'cart.item_quantity_changed', 'cart.checkout_started', 'order.placed']) {
      expect(counts.get(t) ?? 0).toBeGreaterThan(100);
    }
    expect([...channels].sort()).toEqual(['app', 'marketplace', 'store', 'web']);
    expect(anonymous).toBeGreaterThan(0);
    const longLived = [...span.values()].filter(([a, b]) => b - a >= 2 * DAY).length;
    expect(longLived).toBeGreaterThan(10);
  });
});
