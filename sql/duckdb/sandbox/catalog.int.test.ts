import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTexts, ingestTexts, itemAdded, simulated } from '../../../test/support/seed.ts';
import { refusalOf } from '../../../test/support/refusal.ts';
import { tempDuckDb } from '../../../test/support/tempStore.ts';
import type { ReadOnlyLimits } from '../../warehouse.ts';
import { buildSandboxCatalog, SANDBOX_CATALOG } from './catalog.ts';

// Hole 4 of issue 11, at the engine's depth: the sandbox connection's own catalogue (catalog.ts). These
// tests run SQL on the raw sandbox connection, around the check, on purpose.
const LIMITS: ReadOnlyLimits = { timeoutMs: 10_000, maxRows: 100_000, maxBytes: 1 << 26 };
const DAY = 86_400_000;
const START = Date.parse('2026-03-01T00:00:00.000Z');

let store: Awaited<ReturnType<typeof tempDuckDb>>;
let raw: DuckDBConnection;
/** The engine's answer on the raw sandbox connection: its rows, or its error type and message's first line. */
const engine = (sql: string) =>
  raw.runAndReadAll(sql).then(
    (r) => ({ rows: r.getRowsJson() }),
    (err: unknown) => {
      const m = /^([A-Za-z ]+) Error: ([^\n]*)/.exec((err as Error).message);
      return { type: m?.[1], message: m?.[2] };
    },
  );

beforeAll(async () => {
  // Given the contract's examples, a few simulated days, and a cart whose producer clock runs backwards
  // along its sequence (replayed live by replay_fold, not from the materialised rows).
  store = await tempDuckDb();
  await ingestTexts(store.warehouse, exampleTexts());
  await ingestTexts(
    store.warehouse,
    simulated('sandbox-catalog', START, START + 2 * DAY, 60).map((e) => JSON.stringify(e)),
  );
  await ingestTexts(store.warehouse, [
    itemAdded('0b6a4c1e-2f7d-4c9a-9a51-3e2a1d7c0001', '2026-03-01T10:00:00.000Z', { sequence: 1 }),
    itemAdded('0b6a4c1e-2f7d-4c9a-9a51-3e2a1d7c0002', '2026-03-01T09:00:00.000Z', { sequence: 2, quantity: 1 }),
  ]);
  await store.warehouse.refreshReplay();
  raw = await store.warehouse.sandbox.connect();
});
afterAll(async () => {
  raw?.closeSync();
  await store.cleanup();
});

describe('the DuckDB sandbox catalogue, with the check bypassed', () => {
  it('is the connection’s current database and holds views of the exposed tables only', async () => {
    expect(await engine('SELECT current_database()')).toEqual({ rows: [[SANDBOX_CATALOG]] });
    expect(await engine(`SELECT view_name, sql FROM duckdb_views() WHERE database_name = '${SANDBOX_CATALOG}' ORDER BY ALL`)).toEqual({
      rows: [
        ['events', 'CREATE VIEW events AS SELECT * FROM test.main.events;'],
        ['rejected_events', 'CREATE VIEW rejected_events AS SELECT * FROM test.main.rejected_events;'],
      ],
    });
    expect(await engine(`SELECT count(*) FROM duckdb_tables() WHERE database_name = '${SANDBOX_CATALOG}'`)).toEqual({ rows: [['0']] });
  });

  // Which tables their bodies read is shown below: they answer where cart_replay does not resolve.
  it('copies the exposed cart macros (and those they call), not the export macro', async () => {
    const reader = await raw.runAndReadAll(`SELECT function_name FROM duckdb_functions() WHERE database_name = '${SANDBOX_CATALOG}' ORDER BY 1`);
    const names = reader.getRows().map(([n]) => String(n));
    expect(names).toEqual(expect.arrayContaining(['audience_asof', 'cart_lines_asof', 'cart_replay_asof', 'cart_state_asof', 'products_asof', 'replay_fold']));
    expect(names).not.toContain('events_export');
  });

  // The store's internal tables do not resolve by bare name, however a query shadows or nests them: the
  // engine refuses while binding, before anything is read. A CTE's anchor that names its own CTE (the
  // shape of hole 4) finds no table behind the name, so DuckDB takes it as a circular reference.
  const HIDDEN = ['schema_migrations', 'cart_replay', 'replay_dirty', 'stage_events', 'stage_rejected'];
  const missing = (h: string) => ({ type: 'Catalog', message: `Table with name ${h} does not exist!` });
  const circular = (h: string) => ({ type: 'Binder', message: `Circular reference to CTE "${h}", use WITH RECURSIVE to use recursive CTEs.` });
  const SHAPES: [string, (h: string) => string, (h: string) => object][] = [
    ['its bare name', (h) => `SELECT * FROM ${h}`, missing],
    ['the main schema', (h) => `SELECT * FROM main.${h}`, missing],
    ['a scalar subquery', (h) => `SELECT (SELECT count(*) FROM ${h})`, missing],
    ['a lateral join', (h) => `SELECT * FROM events, LATERAL (SELECT * FROM ${h}) x`, missing],
    [
      'a recursive CTE whose anchor names it',
      (h) => `WITH RECURSIVE ${h} AS (SELECT * FROM ${h} UNION ALL SELECT * FROM ${h} WHERE false) SELECT * FROM ${h}`,
      circular,
    ],
    ['a CTE naming itself', (h) => `WITH ${h} AS (SELECT * FROM ${h}) SELECT * FROM ${h}`, circular],
  ];
  it.each(HIDDEN.flatMap((h) => SHAPES.map(([shape, sql, error]) => [h, shape, sql(h), error(h)] as const)))(
    'refuses %s through %s',
    async (_table, _, sql, error) => {
      expect(await engine(sql)).toEqual(error);
    },
  );

  // The same texts on the store's own connection read the table: without the sandbox catalogue, only the
  // check stood in their way.
  it.each(SHAPES.map(([shape, sql]) => [shape, sql('schema_migrations')] as const))(
    'reads schema_migrations through %s on the store’s connection',
    async (_, sql) => {
      expect((await store.warehouse.all(sql)).length).toBeGreaterThan(0);
    },
  );

  // Known gaps, pinned so that a DuckDB change is noticed: the system catalogue is global (every database
  // sees it, table functions are not per catalogue), and a catalogue-qualified name reaches any attached
  // database. There the check is the only wall (sql_forbidden_table / sql_forbidden_function).
  it.each([
    ['pg_settings', 'SELECT count(*) > 0 FROM pg_settings', { code: 'sql_forbidden_table', table: 'pg_settings' }],
    ['duckdb_settings()', 'SELECT count(*) > 0 FROM duckdb_settings()', { code: 'sql_forbidden_function', function: 'duckdb_settings' }],
    [
      'duckdb_databases()',
      "SELECT count(*) > 0 FROM duckdb_databases() WHERE database_name = 'test'",
      { code: 'sql_forbidden_function', function: 'duckdb_databases' },
    ],
    ['sqlite_master', 'SELECT count(*) > 0 FROM sqlite_master', { code: 'sql_forbidden_table', table: 'sqlite_master' }],
    [
      'information_schema.tables',
      "SELECT count(*) > 0 FROM information_schema.tables WHERE table_name = 'cart_replay'",
      { code: 'sql_forbidden_table', table: 'information_schema.tables' },
    ],
    [
      'the store by its catalogue name',
      'SELECT count(*) > 0 FROM test.main.schema_migrations',
      { code: 'sql_forbidden_table', table: 'test.main.schema_migrations' },
    ],
  ])('still answers %s on the raw connection; the check refuses it', async (_, sql, refusal) => {
    expect(await engine(sql)).toEqual({ rows: [[true]] });
    expect(await refusalOf(store.warehouse.runReadOnly(sql, LIMITS))).toEqual(refusal);
  });

  it('has carts replayed both from the materialised rows and live', async () => {
    expect(
      await store.warehouse.all(
        'SELECT count(DISTINCT cart_id) FILTER (WHERE NOT prefix_safe) AS live, count(DISTINCT cart_id) FILTER (WHERE prefix_safe) > 50 AS many FROM cart_replay',
      ),
    ).toEqual([{ live: '1', many: true }]);
  });

  // The copies answer exactly what the store's own macros answer.
  it.each([
    ['cart_replay_asof', 'SELECT * FROM cart_replay_asof($t) ORDER BY ALL'],
    ['products_asof', 'SELECT * FROM products_asof($t) ORDER BY ALL'],
    ['cart_lines_asof', 'SELECT * FROM cart_lines_asof($t) ORDER BY ALL'],
    ['cart_state_asof', 'SELECT * FROM cart_state_asof($t, 21600000) ORDER BY ALL'],
    ['audience_asof', 'SELECT * FROM audience_asof($t, 21600000, 2592000000) ORDER BY ALL'],
  ])('gives %s the rows of the store’s own macro, at three instants', async (_, sql) => {
    let compared = 0;
    for (const t of [START + 9.5 * 3_600_000, START + DAY + 17_321, START + 5 * DAY]) {
      const expected = await store.warehouse.all(sql, { t: BigInt(t) });
      expect((await raw.runAndReadAll(sql, { t: BigInt(t) })).getRowObjectsJson()).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(10);
  });
});

// The copies follow whatever views/*.sql holds (another change may add macros, parameters, helpers):
// shapes the cart model does not use today, on a store of their own.
describe('the sandbox catalogue built from other view files', () => {
  const STORE = `CREATE TABLE events AS SELECT range::INT AS x FROM range(2);
    CREATE TABLE rejected_events (y INT);
    CREATE TABLE hidden AS SELECT range::INT AS id FROM range(5);`;
  const instances: DuckDBInstance[] = [];
  afterAll(() => {
    for (const i of instances) i.closeSync();
  });
  const build = async (sql: string) => {
    const instance = await DuckDBInstance.create(':memory:');
    instances.push(instance);
    const conn = await instance.connect();
    await conn.run(STORE);
    await conn.run(sql);
    await buildSandboxCatalog(conn, [{ name: '010_test', sql }]);
    const sandbox = await instance.connect();
    await sandbox.run(`USE ${SANDBOX_CATALOG}`);
    return sandbox;
  };

  it('copies defaults, helpers and CTEs, and calls the store’s scalar macros in the store', async () => {
    const sandbox = await build(`
      -- a scalar macro stays in the store; a helper table macro is copied because an exposed one calls it
      CREATE OR REPLACE MACRO plus_one(v) AS v + 1;
      CREATE OR REPLACE MACRO helper(k) AS TABLE SELECT id, plus_one(id) AS next FROM hidden WHERE id <= k;
      CREATE OR REPLACE MACRO cart_state_asof(as_of_ms, abandon_ms := 10) AS TABLE
      WITH picked AS (SELECT * FROM helper(as_of_ms))
      SELECT p.*, abandon_ms AS a, (SELECT count(*) FROM events) AS n, 9007199254740991 AS top FROM picked p ORDER BY id;`);
    expect((await sandbox.runAndReadAll('SELECT * FROM cart_state_asof(2)')).getRowsJson()).toEqual([
      [0, 1, 10, '2', '9007199254740991'],
      [1, 2, 10, '2', '9007199254740991'],
      [2, 3, 10, '2', '9007199254740991'],
    ]);
    await expect(sandbox.run('SELECT * FROM hidden')).rejects.toThrow(/^Catalog Error: Table with name hidden does not exist!/);
  });

  it.each([
    [
      'a CTE named like a store table',
      'CREATE MACRO cart_lines_asof(t) AS TABLE WITH hidden AS (SELECT 1 AS id) SELECT * FROM hidden',
      /declares a CTE named like the store's table hidden/,
    ],
    [
      'an integer literal that JSON numbers cannot hold',
      'CREATE MACRO audience_asof(t, a) AS TABLE SELECT 9007199254740993 AS big',
      /audience_asof holds an integer literal beyond 2\^53/,
    ],
    ['a parameter list it cannot read', 'CREATE MACRO products_asof(t := (1)) AS TABLE SELECT t', /cannot copy a macro of views\/010_test.sql/],
  ])('refuses to build from %s, at migrate time', async (_, sql, message) => {
    await expect(build(sql)).rejects.toThrow(message);
  });
});
