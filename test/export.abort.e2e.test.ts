import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../ingest/simulator/prng.ts';
import { waitFor } from './support/kafkaTest.ts';
import { startCarrello } from './support/process.ts';
import { simulated } from './support/seed.ts';

const run = promisify(execFile);
const LOADER = fileURLToPath(new URL('./support/loadStore.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'carrello-export-abort-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const END = Date.parse('2026-03-05T00:00:00.000Z');
const RANGE = `from=${new Date(END - 4 * 86_400_000).toISOString()}&to=${new Date(END).toISOString()}`;
const FORMATS = ['ndjson', 'arrow', 'parquet'] as const;
const DROPS_PER_FORMAT = 8;

/**
 * Asks for `path` and goes away: after `afterBytes` bytes of the body, or, with -1, as soon as the request
 * is sent (before the first byte of the answer). Resolves with the bytes it had read.
 */
function dropAfter(url: string, path: string, afterBytes: number): Promise<number> {
  return new Promise((resolve) => {
    let read = 0;
    const req = request(`${url}${path}`);
    const gone = () => resolve(read);
    req.once('error', gone);
    req.once('close', gone);
    if (afterBytes < 0) req.once('finish', () => req.destroy());
    req.once('response', (res) => {
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= afterBytes) req.destroy();
      });
      res.once('end', gone);
      res.once('error', gone);
    });
    req.end();
  });
}

/** The export slots in use, as /metrics says. */
async function slotsInUse(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^carrello_export_slots_in_use (\d+)$/m.exec(text);
  if (!m) throw new Error(`no carrello_export_slots_in_use in /metrics:\n${text.slice(0, 400)}`);
  return Number(m[1]);
}

const ENGINES: [string, string][] = [
  ['DuckDB', `duckdb:${join(dir, 'store.duckdb')}`],
  ['ClickHouse (chdb)', `chdb:${join(dir, 'chdb')}`],
];

describe.each(ENGINES)('GET /v1/export/events on %s with clients that go away at any moment', (engine, store) => {
  it('survives every drop, in every format, and holds no export slot afterwards', { timeout: 300_000 }, async () => {
    // given a store with enough events that an export takes a while (loaded by a process of its own:
    // a chdb directory belongs to one process at a time)
    const events = simulated('export-abort', END - 4 * 86_400_000, END, 500);
    const file = join(dir, `${engine.split(' ')[0]}-events.json`);
    writeFileSync(file, JSON.stringify(events.map((e) => JSON.stringify(e))));
    await run(process.execPath, ['--import', 'tsx', LOADER, store, file]);
    const server = await startCarrello(['--no-demo', '--store', store], { CARRELLO_EXPORT_MAX_CONCURRENT: '64', CARRELLO_EXPORT_MAX_PER_KEY: '64' });
    try {
      const sizes: Record<string, number> = {};
      for (const format of FORMATS) {
        const whole = await fetch(`${server.url}/v1/export/events?${RANGE}&format=${format}`);
        expect([whole.status, whole.headers.get('carrello-row-count')]).toEqual([200, String(events.length)]);
        sizes[format] = (await whole.arrayBuffer()).byteLength;
      }

      // when many exports are dropped at seeded random points: before the first byte, or after N bytes
      // The same drop points on every run, whatever the machine's speed.
      const random = new Rng('export-drops');
      const drops = FORMATS.flatMap((format) =>
        Array.from({ length: DROPS_PER_FORMAT }, (_, i) => ({ format, at: i % 4 === 0 ? -1 : random.int(1, Math.floor(sizes[format]! * 0.9)) })),
      );
      // Two at a time, so that the slot limit is not what answers.
      for (let i = 0; i < drops.length; i += 2) {
        await Promise.all(drops.slice(i, i + 2).map((d) => dropAfter(server.url, `/v1/export/events?${RANGE}&format=${d.format}`, d.at)));
      }

      // then the process lives, answers, gives every slot back, and a complete export still succeeds
      expect(server.child.exitCode, server.output().slice(-4000)).toBe(null);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      await waitFor('every export slot given back', async () => (await slotsInUse(server.url)) === 0);
      expect(await slotsInUse(server.url)).toBe(0);
      for (const format of FORMATS) {
        const whole = await fetch(`${server.url}/v1/export/events?${RANGE}&format=${format}`);
        expect(whole.status).toBe(200);
        expect((await whole.arrayBuffer()).byteLength).toBe(sizes[format]);
      }
      expect(server.output()).not.toMatch(/unhandled/i);
    } finally {
      server.child.kill('SIGTERM');
    }
    expect(await server.exited).toBe(0);
  });
});
