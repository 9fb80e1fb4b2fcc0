import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, parseStore } from '../sql/open.ts';
import { runCarrello } from './support/process.ts';
import { ingestTexts, itemAdded } from './support/seed.ts';
import { onTerminal, shown } from './support/terminal.ts';

// Long commands show a progress line on a terminal, ended by their counts, and nothing when stderr is
// not one (CI, pipes). The terminal is a real pseudo-terminal: util-linux's `script`.
const dir = mkdtempSync(join(tmpdir(), 'carrello-progress-'));
const store = `duckdb:${join(dir, 'store.duckdb')}`;
const WEBHOOKS = {
  CARRELLO_WEBHOOKS: JSON.stringify([{ name: 'flow', url: 'http://127.0.0.1:9/hook', secrets: [`whsec_${Buffer.alloc(24, 7).toString('base64')}`] }]),
};
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  // given a store of two carts: one of customer c-1 (two events), one of customer c-2
  const w = await openWarehouse(parseStore(store));
  await w.migrate();
  await ingestTexts(w, [
    itemAdded('6a0c1c8e-0d5a-4b7e-9a43-000000000001', '2026-09-30T10:00:00.000Z', { cart_id: 'cart-1', customer_id: 'c-1' }),
    itemAdded('6a0c1c8e-0d5a-4b7e-9a43-000000000002', '2026-09-30T10:01:00.000Z', {
      cart_id: 'cart-1',
      customer_id: 'c-1',
      item: { product_id: 'P2', unit_price_minor: 500 },
    }),
    itemAdded('6a0c1c8e-0d5a-4b7e-9a43-000000000003', '2026-09-30T10:02:00.000Z', { cart_id: 'cart-2', customer_id: 'c-2' }),
  ]);
  await w.close();
});

describe('a progress line on a terminal, nothing without one', () => {
  it('carrello rebuild ends its line with the counts it printed', async () => {
    const piped = await runCarrello(['rebuild', '--store', store], { LOG_LEVEL: 'warn' });
    expect([piped.code, piped.stderr, JSON.parse(piped.stdout)]).toEqual([0, '', { carts: 2, lines: 3 }]);

    const tty = await onTerminal(['rebuild', '--store', store]);
    expect(tty.code).toBe(0);
    expect(shown(tty.screen)).toEqual([expect.stringMatching(/^carrello rebuild: 2 carts, 3 lines rebuilt in \d+\.\d s$/), '{"carts":2,"lines":3}']);
  });

  it('carrello forget --dry-run, then forget, each end their line with the counts', async () => {
    const piped = await runCarrello(['forget', '--customer', 'c-2', '--dry-run', '--store', store], { LOG_LEVEL: 'warn' });
    expect([piped.code, piped.stderr]).toEqual([0, '']);

    const dry = await onTerminal(['forget', '--customer', 'c-1', '--dry-run', '--store', store]);
    expect(shown(dry.screen)[0]).toMatch(/^carrello forget: 2 events, 0 refused messages would be deleted, of 1 cart in \d+\.\d s$/);
    const real = await onTerminal(['forget', '--customer', 'c-1', '--store', store]);
    expect(real.code).toBe(0);
    expect(shown(real.screen)[0]).toMatch(/^carrello forget: 2 events, 0 refused messages deleted, of 1 cart in \d+\.\d s$/);
  });

  it('carrello webhooks replay ends its line with what it queued', async () => {
    const piped = await runCarrello(['webhooks', 'replay', '--endpoint', 'flow', '--store', store], { LOG_LEVEL: 'warn', ...WEBHOOKS });
    // Nothing to replay is said either way (never a silent success); the progress line is not.
    expect([piped.code, piped.stderr]).toEqual([0, 'carrello webhooks replay: no dead letter of flow matched; nothing was queued\n']);

    const tty = await onTerminal(['webhooks', 'replay', '--endpoint', 'flow', '--store', store], WEBHOOKS);
    expect(tty.code).toBe(0);
    expect(shown(tty.screen)).toEqual([
      expect.stringMatching(/^carrello webhooks replay: 0 dead letters queued in \d+\.\d s$/),
      '{"endpoint":"flow","queued":0}',
      'carrello webhooks replay: no dead letter of flow matched; nothing was queued',
    ]);
  });
});
