import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AS_OF, shopEvents, T0 } from './fixtures/shop.ts';
import { startCarrello } from './support/process.ts';
import { clickHouseStoreArg } from './support/tempClickHouse.ts';

const dir = mkdtempSync(join(tmpdir(), 'carrello-chdb-e2e-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const store = () => clickHouseStoreArg(dir, 'e2e');

describe('carrello start on ClickHouse', () => {
  it('answers from ClickHouse, keeps what it acknowledged through a SIGKILL, and serves it after a restart', async () => {
    const target = store();
    const range = `from=${new Date(T0).toISOString()}&to=${new Date(AS_OF).toISOString()}&as_of=${new Date(AS_OF).toISOString()}`;
    const server = await startCarrello(['--no-demo', '--store', target]);
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: 'ok', store: 'clickhouse' });

    // Given the shop's events acknowledged with a 202, and the process killed at once
    const res = await fetch(`${server.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(shopEvents()),
    });
    expect(res.status).toBe(202);
    server.child.kill('SIGKILL');
    expect(await server.exited).toBe('SIGKILL');

    // then a restart on the same store has every event, and answers as DuckDB does (test/projections).
    const restarted = await startCarrello(['--no-demo', '--store', target]);
    try {
      expect(await (await fetch(`${restarted.url}/v1/stats`)).json()).toMatchObject({ events_stored: 29, carts: 10 });
      const funnel = (await (await fetch(`${restarted.url}/v1/funnels/abandonment?${range}`)).json()) as {
        funnel: { carts: number }[];
        abandoned: { carts: number };
      };
      expect([funnel.funnel.map((s) => s.carts), funnel.abandoned.carts]).toEqual([[10, 4, 3], 5]);
      const cart = (await (await fetch(`${restarted.url}/v1/carts/G?as_of=${new Date(AS_OF).toISOString()}`)).json()) as { value_minor: number };
      expect(cart.value_minor).toBe(1497);

      // and the endpoints that were DuckDB-only answer from ClickHouse too: a custom funnel,
      const json = { 'content-type': 'application/json' };
      const custom = await fetch(`${restarted.url}/v1/funnels`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          steps: [{ type: 'cart.item_added' }, { type: 'cart.checkout_started' }, { type: 'order.placed' }],
          from: new Date(T0).toISOString(),
          to: new Date(AS_OF).toISOString(),
          as_of: new Date(AS_OF).toISOString(),
        }),
      });
      expect(custom.status).toBe(200);
      const steps = ((await custom.json()) as { steps: { count: number }[] }).steps.map((s) => s.count);
      expect(steps).toHaveLength(3);
      expect(steps[0]).toBeGreaterThan(0);
      // the data team's SQL, refusing a write,
      const sql = (query: string) => fetch(`${restarted.url}/v1/sql`, { method: 'POST', headers: json, body: JSON.stringify({ query }) });
      const counted = await sql('SELECT count() AS n FROM events');
      expect(counted.status).toBe(200);
      expect(((await counted.json()) as { rows: { n: unknown }[] }).rows.map((r) => Number(r.n))).toEqual([29]);
      const refused = await sql('DROP TABLE events');
      expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([400, 'sql_not_read_only']);
      // a hidden table behind IN, and a query past the engine's memory limit, as problems naming what was refused,
      const problem = async (res: Response) => [
        res.status,
        res.headers.get('content-type'),
        ...Object.entries((await res.json()) as Record<string, unknown>).filter(([k]) => ['code', 'table', 'limit', 'limit_name'].includes(k)),
      ];
      expect(await problem(await sql("SELECT ('SYSTEM', 'Linux') IN system.build_options"))).toEqual([
        400,
        'application/problem+json; charset=utf-8',
        ['code', 'sql_forbidden_table'],
        ['table', 'system.build_options'],
      ]);
      expect(await problem(await sql('SELECT repeat(toString(number % 10), 1000000) AS s FROM numbers(3000)'))).toEqual([
        400,
        'application/problem+json; charset=utf-8',
        ['code', 'query_out_of_memory'],
        ['limit', 1024 ** 3],
        ['limit_name', 'sql_max_memory_bytes'],
      ]);
      // and the raw export.
      const exported = await fetch(
        `${restarted.url}/v1/export/events?from=${new Date(T0 - 86_400_000).toISOString()}&to=${new Date(AS_OF + 86_400_000 * 30).toISOString()}&format=ndjson`,
      );
      expect([exported.status, exported.headers.get('carrello-row-count')]).toEqual([200, '29']);
      expect((await exported.text()).trimEnd().split('\n')).toHaveLength(29);
    } finally {
      restarted.child.kill('SIGTERM');
    }
    expect(await restarted.exited).toBe(0);
  });
});
