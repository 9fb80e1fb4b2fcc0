import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseWarehouse } from '../../sql/clickhouse/adapter.ts';
import { parseClickHouseUrl, type ClickHouseTarget } from '../../sql/clickhouse/client.ts';

/**
 * chdb binds one data directory per process, and vitest runs each test file in its own process
 * (pool 'forks'): so one directory per process, and one database per test. The directory is named after
 * the process, and removed when it exits or, if it was killed, by the next test process that finds it.
 */
let chdbDir: string | null = null;
let counter = 0;
const PREFIX = 'carrello-chdb-';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function chdbPath(): string {
  if (chdbDir === null) {
    for (const name of readdirSync(tmpdir())) {
      const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN;
      if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
    const dir = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    chdbDir = dir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return chdbDir;
}

/**
 * A target for a fresh database owned by the caller: on the server CLICKHOUSE_URL names when it is set
 * (tests may read the environment; carrello's own modules never do), otherwise on chdb in-process.
 */
export function tempClickHouseTarget(label: string): ClickHouseTarget {
  const database = `carrello_${label}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
  const url = process.env.CLICKHOUSE_URL;
  if (url) return { ...parseClickHouseUrl(url), database };
  return { kind: 'chdb', path: chdbPath(), database };
}

/**
 * The `--store` of a carrello process under test: `chdb:PATH` in the test's folder `dir`; or, when
 * CLICKHOUSE_URL names a server, a database of its own there (`carrello_<label>_…`).
 */
export function clickHouseStoreArg(dir: string, label: string): string {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) return `chdb:${join(dir, 'chdb')}`;
  const u = new URL(url);
  u.pathname = `/carrello_${label}_${process.pid}_${Date.now()}`;
  return u.toString();
}

/** A migrated ClickHouse warehouse in a database of its own, dropped on cleanup. */
export async function tempClickHouse(label = 't'): Promise<{ warehouse: ClickHouseWarehouse; target: ClickHouseTarget; cleanup: () => Promise<void> }> {
  const target = tempClickHouseTarget(label);
  // Every answer parsed against the catalogue, however large: a row that does not fit fails the test.
  const warehouse = await ClickHouseWarehouse.open(target, { checkRows: true });
  await warehouse.migrate();
  return {
    warehouse,
    target,
    async cleanup() {
      await warehouse.client.command({ query: `DROP DATABASE IF EXISTS ${target.database} SYNC` }).catch(() => undefined);
      await warehouse.close().catch(() => undefined);
    },
  };
}
