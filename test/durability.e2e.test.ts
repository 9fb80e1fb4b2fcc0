import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIMULATION, Simulation } from '../ingest/simulator/simulation.ts';
import { DuckDbWarehouse } from '../sql/duckdb/adapter.ts';
import { startCarrello } from './support/process.ts';

const dir = mkdtempSync(join(tmpdir(), 'carrello-durable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('embedded durability', () => {
  it('loses none of the events answered 202 when the process is SIGKILLed, and a restart opens the file', async () => {
    const store = `duckdb:${join(dir, 'kill.duckdb')}`;
    const start = Date.parse('2026-09-01T00:00:00.000Z');
    const messages = [...new Simulation(start, { ...DEFAULT_SIMULATION, seed: 'kill' }).until(start + 2 * 86_400_000)];
    expect(messages.length).toBeGreaterThan(4_000);

    const server = await startCarrello(['--no-demo', '--store', store]);
    const acknowledged: string[] = [];
    // Concurrent requests, so the kill lands while batches are still being written.
    const chunks = Array.from({ length: Math.ceil(messages.length / 500) }, (_, i) => messages.slice(i * 500, i * 500 + 500));
    let killed = false;
    await Promise.all(
      chunks.map(async (chunk, i) => {
        await new Promise((r) => setTimeout(r, i * 5));
        if (killed) return;
        const res = await fetch(`${server.url}/v1/events`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: chunk.map((m) => JSON.stringify(m.body)).join('\n'),
        }).catch(() => null);
        if (res?.status === 202) {
          acknowledged.push(...chunk.map((m) => (m.body as { event_id: string }).event_id));
          if (acknowledged.length >= messages.length / 2 && !killed) {
            killed = true;
            server.child.kill('SIGKILL');
          }
        }
      }),
    );
    expect(await server.exited).toBe('SIGKILL');
    expect(acknowledged.length).toBeGreaterThanOrEqual(messages.length / 2);

    // A restart opens the same file (DuckDB replays its WAL) and serves every acknowledged event.
    const restarted = await startCarrello(['--no-demo', '--store', store]);
    const stats = (await (await fetch(`${restarted.url}/v1/stats`)).json()) as { events_stored: number };
    expect(stats.events_stored).toBeGreaterThanOrEqual(acknowledged.length);
    restarted.child.kill('SIGTERM');
    expect(await restarted.exited).toBe(0);

    const warehouse = await DuckDbWarehouse.open(store.slice('duckdb:'.length));
    try {
      await warehouse.all('CREATE TEMP TABLE acked (event_id UUID)');
      for (let i = 0; i < acknowledged.length; i += 1_000) {
        const ids = acknowledged
          .slice(i, i + 1_000)
          .map((id) => `('${id}')`)
          .join(',');
        await warehouse.all(`INSERT INTO acked VALUES ${ids}`);
      }
      const missing = await warehouse.all('SELECT count(*)::INT AS n FROM acked a ANTI JOIN events e USING (event_id)');
      expect(missing).toEqual([{ n: 0 }]);
      const dupes = await warehouse.all('SELECT (count(*) - count(DISTINCT event_id))::INT AS n FROM events');
      expect(dupes).toEqual([{ n: 0 }]);
    } finally {
      await warehouse.close();
    }
  });

  it('refuses to open a store another process holds, with a clear message', async () => {
    const store = `duckdb:${join(dir, 'locked.duckdb')}`;
    const first = await startCarrello(['--no-demo', '--store', store]);
    try {
      await expect(startCarrello(['--no-demo', '--store', store])).rejects.toThrow(/is in use by another process/);
    } finally {
      first.child.kill('SIGTERM');
      await first.exited;
    }
  });
});
