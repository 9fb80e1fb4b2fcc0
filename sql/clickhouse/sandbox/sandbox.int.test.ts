/**
 * POST /v1/sql on ClickHouse (chdb in this process): the same hostile list as test/sql.e2e.test.ts, in
 * ClickHouse's dialect, each refused or stopped with the same stable code; reads answer typed values.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IngestPipeline } from '../../../ingest/pipeline/pipeline.ts';
import { AS_OF, shopEvents, T0 } from '../../../test/fixtures/shop.ts';
import { tempClickHouse } from '../../../test/support/tempClickHouse.ts';
import { messagesOf } from '../../../test/support/traffic.ts';
import type { QueryError } from '../../errors.ts';
import type { ReadOnlyLimits } from '../../warehouse.ts';
import type { ClickHouseWarehouse } from '../adapter.ts';
import { keptVariant } from '../keptModel.ts';
import type { ClickHouseSandbox } from './sandbox.ts';
import type { SandboxSessions } from './sessions.ts';
import { checkQueryTree } from './tree.ts';
import { CarrelloError, isCarrelloError } from '../../../errors/carrelloError.ts';

const probe = mkdtempSync(join(tmpdir(), 'carrello-chsql-probe-'));
// A time limit no check or quick query comes near on a loaded machine (a 1 s one stopped them at load 45);
// the tests of the time limit itself take STOPS_AT_1S.
const LIMITS: ReadOnlyLimits = { timeoutMs: 60_000, maxRows: 1_000, maxBytes: 1_000_000 };
const STOPS_AT_1S: ReadOnlyLimits = { ...LIMITS, timeoutMs: 1_000 };
let store: Awaited<ReturnType<typeof tempClickHouse>>;
let warehouse: ClickHouseWarehouse;

beforeAll(async () => {
  store = await tempClickHouse('sql');
  warehouse = store.warehouse;
  const pipeline = new IngestPipeline(warehouse);
  await pipeline.ingest(messagesOf(shopEvents(), T0));
  await pipeline.close();
});
afterAll(async () => {
  await store.cleanup();
  rmSync(probe, { recursive: true, force: true });
});

const state = async () => ({
  events: (await warehouse.rows('SELECT count() AS n FROM events FINAL'))[0]!.n,
  tables: (await warehouse.rows('SELECT name FROM system.tables WHERE database = currentDatabase() ORDER BY name')).map((r) => r.name),
  readonly: (await warehouse.rows("SELECT getSetting('readonly') AS r"))[0]!.r,
});

async function codeOf(sql: string, limits = LIMITS): Promise<string> {
  try {
    await warehouse.runReadOnly(sql, limits);
    return 'ran';
  } catch (err) {
    if (isCarrelloError(err)) return err.code;
    throw err;
  }
}

describe('runReadOnly on ClickHouse refuses or stops what is not a read of the exposed data', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await state();
  });

  it.each([
    ['INSERT', 'INSERT INTO events SELECT * FROM events', 'sql_not_read_only'],
    ['ALTER UPDATE', 'ALTER TABLE events UPDATE quantity = 99 WHERE 1', 'sql_not_read_only'],
    ['DELETE', 'DELETE FROM events WHERE 1', 'sql_not_read_only'],
    ['DROP', 'DROP TABLE events', 'sql_not_read_only'],
    ['TRUNCATE', 'TRUNCATE TABLE events', 'sql_not_read_only'],
    ['CREATE TABLE', 'CREATE TABLE stolen ENGINE = Memory AS SELECT * FROM events', 'sql_not_read_only'],
    ['CREATE a view over an exposed one', 'CREATE OR REPLACE VIEW cart_state_asof AS SELECT 1', 'sql_not_read_only'],
    ['ALTER', 'ALTER TABLE events ADD COLUMN x Int32', 'sql_not_read_only'],
    ['INSERT INTO FUNCTION file', `INSERT INTO FUNCTION file('${probe}/leak.csv', 'CSV') SELECT * FROM events`, 'sql_not_read_only'],
    ['SELECT INTO OUTFILE', `SELECT * FROM events INTO OUTFILE '${probe}/leak.csv'`, 'sql_not_read_only'],
    ['ATTACH', `ATTACH TABLE other (x Int32) ENGINE = File(CSV, '${probe}/other.csv')`, 'sql_not_read_only'],
    ['a read of a local file (table function)', "SELECT * FROM file('/etc/passwd', 'LineAsString')", 'sql_forbidden_function'],
    ['a read of a local file (scalar)', "SELECT file('/etc/passwd')", 'sql_forbidden_function'],
    ['a read over the network', "SELECT * FROM url('https://example.com/x.csv', 'CSV', 'a String')", 'sql_forbidden_function'],
    ['s3', "SELECT * FROM s3('https://example.com/b/x.parquet')", 'sql_forbidden_function'],
    ['another server', "SELECT * FROM remote('127.0.0.1', system.one)", 'sql_forbidden_function'],
    ['postgresql', "SELECT * FROM postgresql('h:5432', 'db', 't', 'u', 'p')", 'sql_forbidden_function'],
    ['mysql', "SELECT * FROM mysql('h:3306', 'db', 't', 'u', 'p')", 'sql_forbidden_function'],
    ['hdfs', "SELECT * FROM hdfs('hdfs://h/x', 'CSV', 'a String')", 'sql_forbidden_function'],
    ['a program', "SELECT * FROM executable('id', 'TSV', 'a String')", 'sql_forbidden_function'],
    ['input()', "SELECT * FROM input('a String')", 'sql_forbidden_function'],
    [
      'a file read in a subquery',
      "SELECT count() FROM events WHERE cart_id IN (SELECT line FROM file('/etc/hostname', 'LineAsString'))",
      'sql_forbidden_function',
    ],
    ['a file read in a JOIN', "SELECT 1 FROM events AS e JOIN file('/etc/hostname', 'LineAsString') AS f ON 1", 'sql_forbidden_function'],
    ['SET', 'SET max_threads = 1', 'sql_not_read_only'],
    ['SET readonly back off', 'SET readonly = 0', 'sql_not_read_only'],
    ['a SETTINGS clause lifting the time limit', 'SELECT count() FROM system.numbers SETTINGS max_execution_time = 0', 'sql_not_read_only'],
    ['SYSTEM', 'SYSTEM FLUSH LOGS', 'sql_not_read_only'],
    ['OPTIMIZE', 'OPTIMIZE TABLE events FINAL', 'sql_not_read_only'],
    ['a read of a setting', "SELECT getSetting('max_memory_usage')", 'sql_forbidden_function'],
    ['a dictionary', "SELECT dictGet('d', 'x', 1)", 'sql_forbidden_function'],
    ['a system table', 'SELECT * FROM system.settings', 'sql_forbidden_table'],
    ['users', 'SELECT * FROM system.users', 'sql_forbidden_table'],
    ['a hidden table', 'SELECT * FROM schema_migrations', 'sql_forbidden_table'],
    ['another database', 'SELECT * FROM default.events', 'sql_forbidden_table'],
    ['a sleeping query', 'SELECT sleepEachRow(1) FROM numbers(10)', 'sql_forbidden_function'],
    ['two statements in one', 'SELECT 1; SELECT 2', 'sql_multiple_statements'],
    ['a query followed by a write', 'SELECT count() FROM events; DROP TABLE events', 'sql_not_read_only'],
    ['a write hidden after a comment', 'SELECT 1 -- ;\n; DROP TABLE events', 'sql_not_read_only'],
    ['a text that does not parse', 'SELEC 1', 'sql_syntax_error'],
    ['nothing', '  ;  ', 'sql_empty'],
  ])('refuses %s', async (_, sql, code) => {
    expect(await codeOf(sql)).toBe(code);
  });

  // Hole 5: every way ClickHouse lets a query name a table or a dictionary goes through the allow-list,
  // and is refused before anything runs (so no engine error describes the hidden table).
  it.each([
    ['IN with a bare system table', "SELECT ('SYSTEM', 'Linux') IN system.build_options", 'sql_forbidden_table', { table: 'system.build_options' }],
    ['IN with a tuple against a hidden table (column count leak)', 'SELECT (1, 2) IN system.processes', 'sql_forbidden_table', { table: 'system.processes' }],
    ['NOT IN a hidden table of this database', 'SELECT 1 NOT IN cart_folds', 'sql_forbidden_table', { table: 'cart_folds' }],
    ['GLOBAL IN', 'SELECT 1 GLOBAL IN system.processes', 'sql_forbidden_table', { table: 'system.processes' }],
    ['GLOBAL NOT IN', 'SELECT 1 GLOBAL NOT IN schema_migrations', 'sql_forbidden_table', { table: 'schema_migrations' }],
    ['IN in WHERE over events', 'SELECT count() FROM events WHERE cart_id IN cart_folds', 'sql_forbidden_table', { table: 'cart_folds' }],
    ['nullIn called by name', 'SELECT nullIn(1, cart_folds)', 'sql_forbidden_table', { table: 'cart_folds' }],
    ['IN a table of another database', 'SELECT 1 IN default.events', 'sql_forbidden_table', { table: 'default.events' }],
    ['IN a table in a subquery', 'SELECT * FROM (SELECT 1 IN system.build_options AS x)', 'sql_forbidden_table', { table: 'system.build_options' }],
    ['IN a table in a CTE', 'WITH s AS (SELECT 1 IN system.build_options AS x) SELECT * FROM s', 'sql_forbidden_table', { table: 'system.build_options' }],
    ['IN a table in a scalar subquery', 'SELECT (SELECT 1 IN cart_folds)', 'sql_forbidden_table', { table: 'cart_folds' }],
    ['a JOIN of a hidden table', 'SELECT 1 FROM events AS e JOIN cart_folds AS f ON 1', 'sql_forbidden_table', { table: 'cart_folds' }],
    ['joinGet', "SELECT joinGet('cart_folds', 'cart_id', 1)", 'sql_forbidden_function', { function: 'joinGet' }],
    ['dictGetOrDefault', "SELECT dictGetOrDefault('d', 'x', 1, 0)", 'sql_forbidden_function', { function: 'dictGetOrDefault' }],
    ['hasColumnInTable', "SELECT hasColumnInTable('system', 'processes', 'query')", 'sql_forbidden_function', { function: 'hasColumnInTable' }],
    ['currentDatabase', 'SELECT currentDatabase()', 'sql_forbidden_function', { function: 'currentDatabase' }],
    ['merge()', "SELECT * FROM merge('.*')", 'sql_forbidden_function', { function: 'merge' }],
    ['cluster()', "SELECT * FROM cluster('default', system.one)", 'sql_forbidden_function', { function: 'cluster' }],
    ['clusterAllReplicas()', "SELECT * FROM clusterAllReplicas('default', system.one)", 'sql_forbidden_function', { function: 'clusterAllReplicas' }],
    ['view()', 'SELECT * FROM view(SELECT * FROM cart_folds)', 'sql_forbidden_function', { function: 'view' }],
    ['dictionary()', "SELECT * FROM dictionary('d')", 'sql_forbidden_function', { function: 'dictionary' }],
    ['generateRandom()', "SELECT * FROM generateRandom('a Int8') LIMIT 1", 'sql_forbidden_function', { function: 'generateRandom' }],
    ['remoteSecure()', "SELECT * FROM remoteSecure('127.0.0.1', system.one)", 'sql_forbidden_function', { function: 'remoteSecure' }],
  ])('refuses %s with the name it reaches', async (_, sql, code, extra) => {
    const err = await warehouse.runReadOnly(sql, LIMITS).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarrelloError);
    expect(err).toMatchObject({ code, details: extra });
  });

  // The second wall on its own: whatever syntax named them, the analyzer's tree shows every table and
  // function resolved, and the tree check refuses those not exposed.
  it.each([
    ['SELECT 1 IN (cart_folds)', { code: 'sql_forbidden_table', details: { table: 'cart_folds' } }],
    ["SELECT ('SYSTEM', 'Linux') IN system.build_options", { code: 'sql_forbidden_table', details: { table: 'system.build_options' } }],
    ['WITH s AS (SELECT * FROM schema_migrations) SELECT count() FROM s', { code: 'sql_forbidden_table', details: { table: 'schema_migrations' } }],
    ["SELECT * FROM merge('.*')", { code: 'sql_forbidden_function', details: { function: 'merge' } }],
    ['SELECT lower(fqdn())', { code: 'sql_forbidden_function', details: { function: 'FQDN' } }],
  ])('the resolved query tree of %s is refused', async (sql, refusal) => {
    const rs = await warehouse.client.query({ query: `EXPLAIN QUERY TREE ${sql}`, format: 'TabSeparatedRaw' });
    const tree = await rs.text();
    let err: unknown;
    try {
      checkQueryTree(tree, store.target.database);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject(refusal);
  });

  it("refuses a function created on the server (its body is nobody's check), after queries of built-ins only", async () => {
    // given a query of built-ins answered (the built-in names are read once), then a SQL function created
    expect(await codeOf('SELECT count(), sum(number) FROM numbers(10)')).toBe('ran');
    await warehouse.client.command({ query: 'CREATE FUNCTION sandbox_plus_one AS (x) -> x + 1' });
    try {
      // when a query calls it, then it is refused by name
      const err = await warehouse.runReadOnly('SELECT sandbox_plus_one(number) FROM numbers(3)', LIMITS).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'sql_forbidden_function', details: { function: 'sandbox_plus_one' } });
    } finally {
      await warehouse.client.command({ query: 'DROP FUNCTION sandbox_plus_one' });
    }
  });

  it('a function cannot be created under a built-in name (what reading the built-in names once relies on)', async () => {
    const err = await warehouse.client.command({ query: 'CREATE FUNCTION count AS (x) -> x' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '609' }); // FUNCTION_ALREADY_EXISTS
  });

  it('the resolved query tree of a read of the exposed tables and the cart model passes', async () => {
    const sql = `WITH s AS (SELECT * FROM cart_state_asof(as_of_ms = ${AS_OF}, abandon_ms = 86400000)) SELECT count() FROM s, events AS e WHERE e.type IN (SELECT 'x' FROM rejected_events) OR 1 IN system.one`;
    const rs = await warehouse.client.query({ query: `EXPLAIN QUERY TREE ${sql}`, format: 'TabSeparatedRaw' });
    const tree = await rs.text();
    expect(tree).toContain('cart_state_asof');
    expect(() => checkQueryTree(tree, store.target.database)).not.toThrow();
  });

  // Functions that reveal the host, the build, the server's identity or its access control.
  it.each([
    'displayName()',
    'hostName()',
    'HOSTNAME()',
    'fqdn()',
    'FQDN()',
    'fullHostName()',
    'version()',
    'buildId()',
    'serverUUID()',
    'uptime()',
    'currentUser()',
    'user()',
    'getOSKernelVersion()',
    'filesystemAvailable()',
    'tcpPort()',
    'shardNum()',
  ])('refuses SELECT %s with sql_forbidden_function', async (call) => {
    const err = await warehouse.runReadOnly(`SELECT ${call}`, LIMITS).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'sql_forbidden_function', details: { function: call.slice(0, -2) } });
  });

  it.each([
    ['an infinite generator', 'SELECT * FROM system.numbers WHERE number % 1000000000 = 999999999'],
    ['an endless aggregate', 'SELECT count() FROM numbers(9223372036854775807)'],
    ['a generator table function', 'SELECT sum(number) FROM numbers_mt(1000000000000)'],
  ])('stops %s at the time limit with query_timeout', async (_, sql) => {
    const t0 = Date.now();
    const err = await warehouse.runReadOnly(sql, STOPS_AT_1S).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CarrelloError);
    expect(err).toMatchObject({ code: 'query_timeout', details: { limit_ms: 1000 } });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  // Hole 6: the engine stops what would grow past a limit, and the answer names the limit (never 500).
  it('a query that needs more memory than the limit is stopped inside the engine: 400 query_out_of_memory naming it', async () => {
    const limits = { ...LIMITS, timeoutMs: 20_000, maxMemoryBytes: 64 * 1024 * 1024 };
    const err = await warehouse.runReadOnly('SELECT repeat(toString(number % 10), 1000000) AS s FROM numbers(3000)', limits).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'query_out_of_memory', details: { limit: 64 * 1024 * 1024, limit_name: 'sql_max_memory_bytes' } });
    // The code says which wall stopped it: a query that ran on would end in query_timeout instead.
  });

  it('a constant of GBs is stopped at the memory limit while the query is analysed', async () => {
    const limits = { ...LIMITS, timeoutMs: 20_000, maxMemoryBytes: 64 * 1024 * 1024 };
    const err = await warehouse
      .runReadOnly("SELECT length(arrayStringConcat(arrayMap(x -> repeat('x', 1000000), range(2000)))) AS n", limits)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'query_out_of_memory', details: { limit: 64 * 1024 * 1024, limit_name: 'sql_max_memory_bytes' } });
  });

  it('a result far past the byte limit is stopped inside the engine: 400 query_result_too_large naming it', async () => {
    const limits = { timeoutMs: 20_000, maxRows: 100_000, maxBytes: 1_000_000 };
    const err = await warehouse.runReadOnly("SELECT materialize(repeat('x', 1000)) AS s FROM numbers(100000)", limits).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'query_result_too_large', details: { limit: 64 * 1024 * 1024, limit_name: 'sql_max_result_bytes' } });
  });

  it('a constant column over many rows (written per row by the output format, outside the engine limits) is cut off at max_bytes, quickly', async () => {
    // Quickly, by the code's own clock: writing every row (200 MB of output) would run into the time limit
    // and answer query_timeout instead of this result.
    const limits = { timeoutMs: 10_000, maxRows: 100_000, maxBytes: 1_000_000 };
    const r = await warehouse.runReadOnly("SELECT repeat('x', 10000) AS s FROM numbers(20000)", limits);
    expect([r.rowCount, r.truncated]).toEqual([100, 'max_bytes']);
  });

  it('the time limit is named like the other limits', async () => {
    const err = await warehouse.runReadOnly('SELECT count() FROM system.numbers', STOPS_AT_1S).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'query_timeout', details: { limit_ms: 1000, limit: 1000, limit_name: 'sql_timeout_ms' } });
  });

  it('leaves the database, its settings and the file system as they were', async () => {
    expect(await state()).toEqual(before);
    expect(readdirSync(probe)).toEqual([]);
    expect(existsSync(join(probe, 'leak.csv'))).toBe(false);
  });
});

describe('runReadOnly on ClickHouse answers reads', () => {
  it('a GROUP BY over events, with column types and exact 64-bit numbers', async () => {
    const r = await warehouse.runReadOnly(
      "SELECT type, count() AS n, sum(quantity) AS units, toFloat64(avg(unit_price_minor)) AS avg_price FROM events FINAL WHERE type = 'cart.item_added' GROUP BY type",
      LIMITS,
    );
    expect(r.columns.map((c) => [c.name, c.type.kind, c.engine_type])).toEqual([
      ['type', 'string', 'LowCardinality(String)'],
      ['n', 'int64', 'UInt64'],
      ['units', 'int64', 'Nullable(Int64)'],
      ['avg_price', 'float64', 'Nullable(Float64)'],
    ]);
    expect(r.rowCount).toBe(1);
    expect(r.values[0]).toEqual(['cart.item_added']);
    expect(typeof r.values[1]![0]).toBe('bigint');
    expect(r.truncated).toBe(false);
  });

  it('times as epoch milliseconds UTC, dates, lists and structs', async () => {
    const r = await warehouse.runReadOnly(
      "SELECT toDateTime64('2026-03-02 09:31:00.123', 3, 'UTC') AS t, toDate('2026-03-02') AS d, [1, 2] AS l, CAST((1, 'a'), 'Tuple(n Int32, s String)') AS s, true AS b, NULL AS z",
      LIMITS,
    );
    expect(r.values).toEqual([[Date.parse('2026-03-02T09:31:00.123Z')], [Date.parse('2026-03-02T00:00:00Z')], [[1, 2]], [{ n: 1, s: 'a' }], [true], [null]]);
    expect(r.columns.map((c) => c.type.kind)).toEqual(['timestamp', 'date', 'list', 'struct', 'boolean', 'json']);
  });

  it('a query over the cart model and a CTE', async () => {
    const r = await warehouse.runReadOnly(
      `WITH s AS (SELECT * FROM cart_state_asof(as_of_ms = ${AS_OF}, abandon_ms = 86400000)) SELECT count() AS carts FROM s`,
      LIMITS,
    );
    expect(Number(r.values[0]![0])).toBeGreaterThan(0);
  });

  it('rows past the row limit are cut off and the answer says so; exactly the limit is complete', async () => {
    const cut = await warehouse.runReadOnly('SELECT number AS i FROM numbers(10)', { ...LIMITS, maxRows: 3 });
    expect([cut.rowCount, cut.truncated, cut.values[0]]).toEqual([3, 'max_rows', [0n, 1n, 2n]]);
    const exact = await warehouse.runReadOnly('SELECT number AS i FROM numbers(3)', { ...LIMITS, maxRows: 3 });
    expect([exact.rowCount, exact.truncated]).toEqual([3, false]);
    const big = await warehouse.runReadOnly("SELECT repeat('x', 100) AS s FROM numbers(10)", { ...LIMITS, maxBytes: 250 });
    expect([big.rowCount, big.truncated]).toEqual([2, 'max_bytes']);
  });

  it('the row limit caps the answer, never a subquery, CTE, IN set or view inside it', async () => {
    const limits = { ...LIMITS, timeoutMs: 10_000, maxRows: 2 };
    const one = async (sql: string) => Number((await warehouse.runReadOnly(sql, limits)).values[0]![0]);
    expect(await one('SELECT count() AS n FROM (SELECT number FROM numbers(100))')).toBe(100);
    expect(await one('WITH s AS (SELECT * FROM events) SELECT count() AS n FROM s')).toBe(29);
    expect(await one('SELECT count() AS n FROM numbers(100) WHERE number IN (SELECT number FROM numbers(50))')).toBe(50);
    expect(await one(`SELECT count() AS n FROM cart_state_asof(as_of_ms = ${AS_OF}, abandon_ms = 86400000)`)).toBe(10);
  });

  it('an error of the query itself is sql_error', async () => {
    expect(await codeOf('SELECT no_such_column FROM events')).toBe('sql_error');
  });

  it('writes through the warehouse still work after data-team queries (settings stay on their session)', async () => {
    await warehouse.runReadOnly('SELECT 1', { ...LIMITS, maxRows: 1 });
    expect((await warehouse.rows('SELECT number FROM numbers(5)')).length).toBe(5);
    expect((await warehouse.rows("SELECT getSetting('readonly') AS r"))[0]!.r).toBe(0);
  });

  it('a read of the cart model as of now reads the kept twins: the same answer, and text that looks like a call is left as written', async () => {
    const sql = `SELECT 'cart_state_asof(as_of_ms = 1, ' AS s, count() AS n FROM cart_state_asof(as_of_ms = ${AS_OF}, abandon_ms = 86400000)`;
    const now = await warehouse.runReadOnly(sql, LIMITS);
    const early = await warehouse.runReadOnly(`SELECT count() AS n FROM cart_state_asof(as_of_ms = ${T0 + 2 * 86_400_000}, abandon_ms = 86400000)`, LIMITS);
    const folded = await warehouse.rows(`SELECT count() AS n FROM cart_fold_asof(as_of_ms = ${T0 + 2 * 86_400_000})`);
    expect(now.values).toEqual([['cart_state_asof(as_of_ms = 1, '], [10n]]);
    expect(early.values).toEqual([[BigInt(folded[0]!.n as string)]]);
  });

  it('a kept read whose fold moved meanwhile checks one tree, then reads the statement as written', async () => {
    // given the sandbox's sessions recording what they are asked
    const sandbox = (warehouse as unknown as { sandbox: ClickHouseSandbox }).sandbox;
    const sessions = (sandbox as unknown as { sessions: SandboxSessions }).sessions;
    const acquire = sessions.acquire;
    const seen: string[] = [];
    sessions.acquire = async () => {
      const lease = await acquire();
      const query = lease.client.query.bind(lease.client);
      lease.client.query = ((p: Parameters<typeof query>[0]) => {
        seen.push(`${p.query.startsWith('EXPLAIN QUERY TREE') ? 'tree of ' : ''}${p.query.includes('_kept(') ? 'kept' : 'live'}`);
        return query(p);
      }) as typeof query;
      return {
        ...lease,
        release: (failed) => {
          lease.client.query = query;
          return lease.release(failed);
        },
      };
    };
    const sql = `SELECT count() AS n FROM cart_state_asof(as_of_ms = ${AS_OF}, abandon_ms = 86400000)`;
    try {
      // when the twins are read and a fold is found to have moved after
      const answer = await sandbox.run(sql, { ...LIMITS, timeoutMs: 60_000 }, async (statement) => ({
        statement: keptVariant(statement)!,
        stillExact: async () => false,
      }));
      // then the twins' tree alone was checked, and the answer is the live views'
      expect(seen).toEqual(['tree of kept', 'kept', 'live']);
      expect(answer.values).toEqual([[10n]]);
    } finally {
      sessions.acquire = acquire;
    }
  });

  it('reads events as if with FINAL: a copy not yet merged counts once', async () => {
    const count = async () => Number((await warehouse.runReadOnly('SELECT count() AS n FROM events', LIMITS)).values[0]![0]);
    const n = await count();
    // Given a copy of a stored event written past the writer's deduplication (as two racing writers may)
    await warehouse.client.command({
      query: 'INSERT INTO events SELECT * FROM events ORDER BY event_id LIMIT 1',
      clickhouse_settings: { insert_deduplication_token: `copy-${Date.now()}`, insert_deduplicate: 1 },
    });
    expect(Number((await warehouse.rows('SELECT count() AS n FROM events'))[0]!.n)).toBe(n + 1);
    // then the data team's count is unchanged.
    expect(await count()).toBe(n);
  });

  it('queries side by side each get their own answer, even beside one stopped at the time limit', async () => {
    const answers = await Promise.all([
      warehouse.runReadOnly('SELECT count() FROM system.numbers', STOPS_AT_1S).catch((e: QueryError) => e.code),
      ...[1, 2, 3].map((i) => warehouse.runReadOnly(`SELECT ${i} * 7 AS x`, { ...LIMITS, timeoutMs: 10_000 }).then((r) => Number(r.values[0]![0]))),
    ]);
    expect(answers).toEqual(['query_timeout', 7, 14, 21]);
  });

  it('a query running to its time limit does not hold up another: each runs on a session of its own', async () => {
    // Order, not timing: the quick query is answered while the slow one still runs to its limit.
    const order: string[] = [];
    const slow = warehouse.runReadOnly('SELECT count() FROM system.numbers', { ...LIMITS, timeoutMs: 6_000 }).then(
      () => order.push('slow answered'),
      (e: QueryError) => order.push(`slow ${e.code}`),
    );
    const fast = warehouse.runReadOnly('SELECT 1 AS x', { ...LIMITS, timeoutMs: 60_000 }).then((r) => order.push(`fast ${Number(r.values[0]![0])}`));
    await Promise.all([slow, fast]);
    expect(order).toEqual(['fast 1', 'slow query_timeout']);
  });
});
