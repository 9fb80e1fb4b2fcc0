import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCarrello, type CarrelloProcess } from './process.ts';

/**
 * A temporary folder a command suite owns (its DuckDB store and the files it loads): `file(name, text)`
 * writes one and gives its path; remove() deletes the folder.
 */
export function scratch(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), `carrello-${prefix}-`));
  return {
    dir,
    store: `duckdb:${join(dir, 'shop.duckdb')}`,
    file(name: string, text: string): string {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** `carrello start` on a store, then the events posted to its collector (all accepted, or it throws). */
export async function startWithEvents(store: string, events: readonly Record<string, unknown>[]): Promise<CarrelloProcess> {
  const server = await startCarrello(['--no-demo', '--store', store]);
  const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(events) });
  if (res.status !== 202) throw new Error(`the collector answered ${res.status}: ${await res.text()}`);
  return server;
}

/** Stops a carrello process (SIGTERM) and waits until it has exited. */
export async function stopCarrello(server: CarrelloProcess | undefined): Promise<void> {
  server?.child.kill('SIGTERM');
  await server?.exited;
}
