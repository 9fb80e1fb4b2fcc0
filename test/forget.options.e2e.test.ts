import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { itemAdded } from './support/seed.ts';
import { runCarrello } from './support/process.ts';

// `carrello forget --anonymous-id` and `--dry-run`, on each engine (a chdb directory belongs to one process
// at a time, so everything here runs in child processes).
const LOADER = fileURLToPath(new URL('./support/loadStore.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'carrello-forget-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ENGINES: [string, string][] = [
  ['DuckDB', `duckdb:${join(dir, 'store.duckdb')}`],
  ['ClickHouse (chdb)', `chdb:${join(dir, 'chdb')}`],
];

describe.each(ENGINES)('carrello forget options on %s', (engine, store) => {
  it('--dry-run counts what --anonymous-id would delete, deletes nothing; the real run then deletes exactly that', async () => {
    // given two anonymous shoppers, the first with two events in one cart, and a refused message holding their id
    const texts = [
      itemAdded('5f0c1c8e-0d5a-4b7e-9a43-000000000001', '2026-09-30T10:00:00.000Z', { cart_id: 'cart-1', anonymous_id: 'anon-1' }),
      itemAdded('5f0c1c8e-0d5a-4b7e-9a43-000000000002', '2026-09-30T10:01:00.000Z', { cart_id: 'cart-1', anonymous_id: 'anon-1' }),
      itemAdded('5f0c1c8e-0d5a-4b7e-9a43-000000000003', '2026-09-30T10:02:00.000Z', { cart_id: 'cart-2', anonymous_id: 'anon-2' }),
      JSON.stringify({ type: 'cart.item_added', anonymous_id: 'anon-1' }),
    ];
    const file = join(dir, `${engine.split(' ')[0]}-messages.json`);
    writeFileSync(file, JSON.stringify(texts));
    const loaded = await runCarrelloLoader(store, file);
    expect(loaded).toEqual({ accepted: 3, rejected: 1 });
    const forget = (...args: string[]) => runCarrello(['forget', '--anonymous-id', 'anon-1', '--store', store, ...args], { LOG_LEVEL: 'warn' });
    const counts = { events_deleted: 2, rejected_deleted: 1, carts: 1, carts_refolded: 0 };

    // when an operator looks first
    const dry = await forget('--dry-run');
    // then the counts are those of the real run, marked as a dry run, and nothing is gone
    expect([dry.code, JSON.parse(dry.stdout)]).toEqual([0, { ...counts, dry_run: true }]);
    expect(JSON.parse((await forget('--dry-run')).stdout)).toEqual({ ...counts, dry_run: true });

    // when the shopper is forgotten
    const real = await forget();
    expect([real.code, JSON.parse(real.stdout)]).toEqual([0, counts]);

    // then nothing of theirs is left: a second run finds nothing, and the other shopper is still there
    const again = await forget();
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('anonymous id not found');
    const other = await runCarrello(['forget', '--anonymous-id', 'anon-2', '--dry-run', '--store', store], { LOG_LEVEL: 'warn' });
    expect(JSON.parse(other.stdout)).toEqual({ events_deleted: 1, rejected_deleted: 0, carts: 1, carts_refolded: 0, dry_run: true });
  }, 300_000); // six child processes per engine: a backstop for a loaded machine
});

async function runCarrelloLoader(store: string, file: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', LOADER, store, file]);
  return JSON.parse(stdout);
}
