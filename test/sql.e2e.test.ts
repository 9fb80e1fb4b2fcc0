import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from './support/app.ts';
import { exampleTexts, ingestTexts } from './support/seed.ts';

// Files the hostile queries try to write; the folder must stay empty.
const probe = mkdtempSync(join(tmpdir(), 'carrello-sql-probe-'));
let app: Awaited<ReturnType<typeof startApp>>;

beforeAll(async () => {
  app = await startApp({ CARRELLO_SQL_TIMEOUT_MS: '1000' });
  // Given the contract's seven valid example events.
  await ingestTexts(app.warehouse, exampleTexts());
});
afterAll(async () => {
  await app?.stop();
  rmSync(probe, { recursive: true, force: true });
});

const sql = (body: unknown, headers: Record<string, string> = {}, query = '') =>
  fetch(`${app.url}/v1/sql${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

/** Everything a hostile query could change, read around the SQL endpoint. */
const databaseState = () =>
  app.warehouse.all(`SELECT
    (SELECT count(*) FROM events)::INT AS events,
    (SELECT count(*) FROM rejected_events)::INT AS rejected,
    (SELECT sum(quantity) FROM events)::INT AS units,
    (SELECT list(x ORDER BY x) FROM (SELECT schema_name || '.' || table_name AS x FROM duckdb_tables())) AS tables,
    (SELECT list(x ORDER BY x) FROM (SELECT view_name AS x FROM duckdb_views() WHERE NOT internal)) AS views,
    (SELECT list(x ORDER BY x) FROM (SELECT function_name || ':' || coalesce(macro_definition, '') AS x FROM duckdb_functions() WHERE NOT internal)) AS macros,
    (SELECT count(*) FROM duckdb_sequences())::INT AS sequences,
    (SELECT list(x ORDER BY x) FROM (SELECT database_name AS x FROM duckdb_databases())) AS databases,
    (SELECT count(*) FROM duckdb_functions())::INT AS functions_with_extensions,
    (SELECT list(x ORDER BY x) FROM (SELECT name || '=' || coalesce(value, '') AS x FROM duckdb_settings())) AS settings`);

describe('POST /v1/sql refuses or stops what is not a read of the exposed data', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await databaseState();
  });

  it.each([
    ['INSERT', 'INSERT INTO events SELECT * FROM events', 'sql_not_read_only'],
    ['UPDATE', 'UPDATE events SET quantity = 99', 'sql_not_read_only'],
    ['DELETE', 'DELETE FROM events', 'sql_not_read_only'],
    ['DROP', 'DROP TABLE events', 'sql_not_read_only'],
    ['CREATE TABLE', 'CREATE TABLE stolen AS SELECT * FROM events', 'sql_not_read_only'],
    ['CREATE a macro over an exposed one', 'CREATE OR REPLACE MACRO cart_state_asof(a, b) AS TABLE SELECT 1', 'sql_not_read_only'],
    ['ALTER', 'ALTER TABLE events ADD COLUMN x INTEGER', 'sql_not_read_only'],
    ['COPY ... TO a CSV file', `COPY events TO '${probe}/leak.csv'`, 'sql_not_read_only'],
    ['COPY (query) TO a Parquet file', `COPY (SELECT * FROM events) TO '${probe}/leak.parquet' (FORMAT parquet)`, 'sql_not_read_only'],
    ['EXPORT DATABASE', `EXPORT DATABASE '${probe}/dump'`, 'sql_not_read_only'],
    ['ATTACH a new database file', `ATTACH '${probe}/other.duckdb' AS other`, 'sql_not_read_only'],
    ['a read of a local file', "SELECT * FROM read_csv('/etc/passwd')", 'sql_forbidden_function'],
    ['a local file as a table', "SELECT * FROM '/etc/passwd'", 'sql_forbidden_table'],
    ['a raw read of the database file', "SELECT * FROM read_blob('/proc/self/environ')", 'sql_forbidden_function'],
    ['a file listing', "SELECT * FROM glob('/*')", 'sql_forbidden_function'],
    ['a read over the network', "SELECT * FROM read_parquet('https://example.com/x.parquet')", 'sql_forbidden_function'],
    ['a URL as a table', "SELECT * FROM 'https://example.com/x.csv'", 'sql_forbidden_table'],
    ['a file read hidden under DESCRIBE', "DESCRIBE SELECT * FROM read_text('/etc/hostname')", 'sql_forbidden_function'],
    ['INSTALL', 'INSTALL httpfs', 'sql_not_read_only'],
    ['LOAD', 'LOAD httpfs', 'sql_not_read_only'],
    ['SET', 'SET threads = 1', 'sql_not_read_only'],
    ['SET turning file access back on', 'SET enable_external_access = true', 'sql_not_read_only'],
    ['RESET', 'RESET memory_limit', 'sql_not_read_only'],
    ['PRAGMA', "PRAGMA table_info('events')", 'sql_not_read_only'],
    ['CALL', 'CALL checkpoint()', 'sql_not_read_only'],
    ['CHECKPOINT', 'CHECKPOINT', 'sql_not_read_only'],
    ['CREATE SECRET', "CREATE SECRET s (TYPE s3, KEY_ID 'k', SECRET 's')", 'sql_not_read_only'],
    ['a read of a setting', "SELECT current_setting('allowed_directories')", 'sql_forbidden_function'],
    ['the environment', "SELECT getenv('HOME')", 'sql_forbidden_function'],
    ['a system table function', 'SELECT * FROM duckdb_settings()', 'sql_forbidden_function'],
    ['a hidden table', 'SELECT * FROM schema_migrations', 'sql_forbidden_table'],
    ['SQL run by a table function', "SELECT * FROM query('DROP TABLE events')", 'sql_forbidden_function'],
    ['serialized SQL run by a table function', "SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))", 'sql_forbidden_function'],
    ['two statements in one', 'SELECT 1; SELECT 2', 'sql_multiple_statements'],
    ['a query followed by a write', 'SELECT count(*) FROM events; DROP TABLE events', 'sql_not_read_only'],
    ['a sleeping generator', 'SELECT sleep_ms(1) FROM range(9223372036854775807)', 'sql_forbidden_function'],
    ['a text that does not parse', 'SELEC 1', 'sql_syntax_error'],
  ])('refuses %s with 400', async (_, query, code) => {
    const res = await sql({ query });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await res.json()).toMatchObject({ status: 400, code });
  });

  // Issue 11: a recursive CTE's anchor reads the real table of its name; a value built in one call
  // cannot be interrupted, so its size must be a literal within the bound.
  it.each([
    [
      'settings through a CTE named like them',
      'WITH RECURSIVE pg_settings AS (SELECT name, value FROM pg_settings UNION ALL SELECT * FROM pg_settings WHERE false) SELECT * FROM pg_settings',
      { code: 'sql_forbidden_table', table: 'pg_settings' },
    ],
    [
      'the store path through a CTE named like the catalogue',
      'WITH RECURSIVE duckdb_databases AS (SELECT path FROM duckdb_databases UNION ALL SELECT * FROM duckdb_databases WHERE false) SELECT * FROM duckdb_databases',
      { code: 'sql_forbidden_table', table: 'duckdb_databases' },
    ],
    [
      'a billion-character string',
      "SELECT length(repeat('x', 1000000000))",
      { code: 'sql_value_too_large', function: 'repeat', limit: 10_000, limit_name: 'sql_max_built_length' },
    ],
  ])('refuses %s with 400 naming it', async (_, query, fields) => {
    const res = await sql({ query });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // Refused before it runs: its own code, not the query_timeout a query that ran would end in.
    expect(await res.json()).toMatchObject({ status: 400, ...fields });
  });

  it.each([
    ['a 1-row-per-ms infinite generator', 'SELECT i FROM range(9223372036854775807) t(i) WHERE i % 1000000 = 0'],
    ['an infinite recursive CTE', 'WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT i FROM r'],
    ['an endless aggregate', 'SELECT count(*) FROM range(9223372036854775807)'],
  ])('stops %s at the time limit with 400 query_timeout naming the limit', async (_, query) => {
    const res = await sql({ query });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      code: 'query_timeout',
      limit_ms: 1000,
      limit: 1000,
      limit_name: 'sql_timeout_ms',
      detail: 'the query ran past the time limit of 1000 ms and was stopped; narrow it, aggregate, or use the export',
    });
  });

  it('leaves the database and the file system as they were', async () => {
    expect(await databaseState()).toEqual(before);
    expect((before as [{ events: number }])[0].events).toBe(7);
    expect(readdirSync(probe)).toEqual([]);
    expect(existsSync(join(probe, 'leak.csv'))).toBe(false);
    expect(readdirSync(app.warehouse.exportDir)).toEqual([]);
  });
});

describe('POST /v1/sql answers', () => {
  const GROUP_BY = 'SELECT type, count(*) AS n, sum(quantity) AS units, sum(unit_price_minor) AS price_minor FROM events GROUP BY type ORDER BY type';

  it('a GROUP BY over events as JSON, with column types and exact numbers', async () => {
    const res = await sql({ query: GROUP_BY });
    expect(res.status).toBe(200);
    expect(res.headers.get('carrello-truncated')).toBe('false');
    const body = (await res.json()) as Record<string, unknown>;
    expect({ ...body, elapsed_ms: 0 }).toEqual({
      columns: [
        { name: 'type', type: 'VARCHAR' },
        { name: 'n', type: 'BIGINT' },
        { name: 'units', type: 'HUGEINT' },
        { name: 'price_minor', type: 'HUGEINT' },
      ],
      rows: [
        { type: 'cart.checkout_started', n: 1, units: null, price_minor: null },
        { type: 'cart.item_added', n: 3, units: 5, price_minor: 15073 },
        { type: 'cart.item_quantity_changed', n: 1, units: null, price_minor: 499 },
        { type: 'cart.item_removed', n: 1, units: 4, price_minor: 499 },
        { type: 'order.placed', n: 1, units: null, price_minor: null },
      ],
      row_count: 5,
      truncated: false,
      truncated_by: null,
      limits: { max_rows: 100_000, max_bytes: 64 * 1024 * 1024, timeout_ms: 1000 },
      elapsed_ms: 0,
    });
  });

  it('the same as CSV (by ?format= and by Accept)', async () => {
    const expected = [
      'type,n,units,price_minor',
      'cart.checkout_started,1,,',
      'cart.item_added,3,5,15073',
      'cart.item_quantity_changed,1,,499',
      'cart.item_removed,1,4,499',
      'order.placed,1,,',
      '',
    ].join('\n');
    const byQuery = await sql({ query: GROUP_BY }, {}, '?format=csv');
    expect(byQuery.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(await byQuery.text()).toBe(expected);
    expect(await (await sql({ query: GROUP_BY }, { accept: 'text/csv' })).text()).toBe(expected);
  });

  it('the same as Arrow, typed from the engine: counts and money Int64', async () => {
    const res = await sql({ query: GROUP_BY }, { accept: 'application/vnd.apache.arrow.stream' });
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.arrow.stream');
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual(['type:Utf8', 'n:Int64', 'units:Int64', 'price_minor:Int64']);
    expect(table.schema.metadata.get('carrello.truncated')).toBe('false');
    expect(table.toArray().map((r) => r.toJSON())).toEqual([
      { type: 'cart.checkout_started', n: 1n, units: null, price_minor: null },
      { type: 'cart.item_added', n: 3n, units: 5n, price_minor: 15073n },
      { type: 'cart.item_quantity_changed', n: 1n, units: null, price_minor: 499n },
      { type: 'cart.item_removed', n: 1n, units: 4n, price_minor: 499n },
      { type: 'order.placed', n: 1n, units: null, price_minor: null },
    ]);
  });

  it('times as ISO-8601 UTC in JSON and TimestampMillisecond UTC in Arrow', async () => {
    const query = "SELECT occurred_at, order_items FROM events WHERE type = 'order.placed'";
    expect(((await (await sql({ query })).json()) as { rows: unknown[] }).rows).toEqual([
      { occurred_at: '2026-03-02T09:31:00.000Z', order_items: [{ product_id: 'P0001', quantity: 1, unit_price_minor: 12999 }] },
    ]);
    const table = tableFromIPC(new Uint8Array(await (await sql({ query }, {}, '?format=arrow')).arrayBuffer()));
    expect(String(table.schema.fields[0]!.type)).toBe('Timestamp<MILLISECOND, UTC>');
    expect(table.getChild('occurred_at')!.get(0)).toBe(Date.parse('2026-03-02T09:31:00.000Z'));
  });

  it('a query over the cart model (cart_state_asof)', async () => {
    const res = await sql({
      query: `SELECT cart_id, status, value_minor, currency FROM cart_state_asof(epoch_ms(TIMESTAMP '2026-03-04 00:00:00'), 86400000) ORDER BY cart_id`,
    });
    expect(((await res.json()) as { rows: unknown[] }).rows).toEqual([
      { cart_id: 'cart-1001', status: 'converted', value_minor: 12999, currency: 'EUR' },
      { cart_id: 'cart-2002', status: 'abandoned', value_minor: 1425, currency: 'CHF' },
      { cart_id: 'cart-3003', status: 'open', value_minor: 1599, currency: 'GBP' },
    ]);
  });

  it('rows past the row limit cut off, and the answer says so in every format', async () => {
    const body = { query: 'SELECT i FROM range(10) t(i)', max_rows: 3 };
    const res = await sql(body);
    expect([res.headers.get('carrello-truncated'), res.headers.get('carrello-row-limit'), res.headers.get('carrello-row-count')]).toEqual([
      'max_rows',
      '3',
      '3',
    ]);
    expect(await res.json()).toMatchObject({ rows: [{ i: 0 }, { i: 1 }, { i: 2 }], row_count: 3, truncated: true, truncated_by: 'max_rows' });
    const csv = await sql(body, {}, '?format=csv');
    expect([csv.headers.get('carrello-truncated'), await csv.text()]).toEqual(['max_rows', 'i\n0\n1\n2\n']);
    const table = tableFromIPC(new Uint8Array(await (await sql(body, {}, '?format=arrow')).arrayBuffer()));
    expect([table.numRows, table.schema.metadata.get('carrello.truncated')]).toEqual([3, 'max_rows']);
  });

  it.each([
    [{ query: 'SELECT 1', max_rows: 100_001 }, 'max_rows'],
    [{ query: 'SELECT 1', timeout_ms: 1001 }, 'timeout_ms'],
    [{ query: '' }, 'query'],
    [{ query: 'SELECT 1', maxRows: 5 }, 'maxRows'],
  ])('refuses a body a client cannot send: %j', async (body, field) => {
    const res = await sql(body);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_request', errors: [expect.objectContaining({ in: 'body', field })] });
  });

  it('is described in /openapi.json with the roles that may call it', async () => {
    const doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as { paths: Record<string, Record<string, { 'x-roles': string[] }>> };
    expect(doc.paths['/v1/sql']!.post!['x-roles']).toEqual(['data', 'admin']);
    expect(doc.paths['/v1/export/events']!.get!['x-roles']).toEqual(['data', 'admin']);
  });
});

describe('POST /v1/sql under load', () => {
  it('answers 429 with Retry-After beyond the concurrent query limit', async () => {
    const busy = await startApp({ CARRELLO_SQL_MAX_CONCURRENT: '1', CARRELLO_SQL_TIMEOUT_MS: '1500' });
    try {
      const post = (query: string) =>
        fetch(`${busy.url}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const slow = post('SELECT count(*) FROM range(9223372036854775807)');
      await new Promise((r) => setTimeout(r, 300));
      const second = await post('SELECT 1');
      expect(second.status).toBe(429);
      expect(second.headers.get('retry-after')).toBe('1');
      expect(await second.json()).toMatchObject({ code: 'too_many_queries', limit: 1 });
      expect((await slow).status).toBe(400);
      expect((await post('SELECT 1 AS one')).status).toBe(200);
    } finally {
      await busy.stop();
    }
  });
});
