import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { abandonment, withStore } from './faults/support.ts';
import { ingestTexts, itemAdded, simulated } from './support/seed.ts';

const BIN = fileURLToPath(new URL('../bin/carrello.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'carrello-forget-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const END = Date.parse('2026-10-01T00:00:00.000Z');
type Ev = { event_id: string; cart_id: string; customer_id: string | null; occurred_at: string };

async function load(path: string, texts: string[]): Promise<void> {
  await withStore(path, async (w) => {
    await w.migrate();
    for (let i = 0; i < texts.length; i += 5_000) await ingestTexts(w, texts.slice(i, i + 5_000));
    await abandonment(w); // folds cart_replay, so that forget must fix an existing fold
  });
}

const replayRows = (w: DuckDbWarehouse) => w.all('SELECT * EXCLUDE (cart_id), cart_id FROM cart_replay ORDER BY ALL');

describe('carrello forget --customer', () => {
  it("deletes the customer's events and their carts' folds; the answers equal a store that never had them", async () => {
    // given simulated traffic, one customer with several carts, and one of those carts shared with another customer
    const events = simulated('forget', END - 3 * 86_400_000, END) as unknown as Ev[];
    const counts = new Map<string, number>();
    for (const e of events) if (e.customer_id) counts.set(e.customer_id, (counts.get(e.customer_id) ?? 0) + 1);
    const [customer] = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]!;
    const carts = [...new Set(events.filter((e) => e.customer_id === customer).map((e) => e.cart_id))];
    expect(carts.length).toBeGreaterThan(1);
    const shared = itemAdded('7d3f7a52-93a4-4a8e-9f5e-3c1f0b6f2a10', '2026-09-30T23:00:00.000Z', { cart_id: carts[0], customer_id: 'someone-else' });
    const texts = [...events.map((e) => JSON.stringify(e)), shared];
    const kept = [...events.filter((e) => e.customer_id !== customer).map((e) => JSON.stringify(e)), shared];
    const store = join(dir, 'store.duckdb');
    const reference = join(dir, 'reference.duckdb');
    await load(store, texts);
    await load(reference, kept);

    // when the customer is forgotten
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'forget', '--customer', customer, '--store', `duckdb:${store}`]);

    // then only counts are printed, every event of theirs is gone, and the store answers as the reference does
    expect(stdout).not.toContain(customer);
    expect(JSON.parse(stdout)).toEqual({ events_deleted: counts.get(customer), carts: carts.length, carts_refolded: 1 });
    const [after, expected] = await Promise.all([
      withStore(store, async (w) => ({
        left: (await w.all('SELECT count(*)::INT AS n FROM events WHERE customer_id = $c', { c: customer }))[0]!.n,
        funnel: await abandonment(w),
        replay: await replayRows(w),
        onlyTheirs: (await w.all(`SELECT count(*)::INT AS n FROM cart_replay WHERE cart_id IN (${carts.slice(1).map((_, i) => `$c${i}`).join(',')})`,
          Object.fromEntries(carts.slice(1).map((c, i) => [`c${i}`, c]))))[0]!.n,
      })),
      withStore(reference, async (w) => ({ funnel: await abandonment(w), replay: await replayRows(w) })),
    ]);
    expect(after.left).toBe(0);
    expect(after.onlyTheirs).toBe(0);
    expect(after.replay).toEqual(expected.replay);
    expect(after.funnel).toEqual(expected.funnel);
  });
});
