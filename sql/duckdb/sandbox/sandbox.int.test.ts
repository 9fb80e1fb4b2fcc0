import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleTexts, ingestTexts } from '../../../test/support/seed.ts';
import { refusalOf } from '../../../test/support/refusal.ts';
import { tempDuckDb } from '../../../test/support/tempStore.ts';
import type { ReadOnlyLimits, ReadOnlyResult } from '../../warehouse.ts';

const LIMITS: ReadOnlyLimits = { timeoutMs: 5_000, maxRows: 1_000, maxBytes: 1 << 20 };

let store: Awaited<ReturnType<typeof tempDuckDb>>;
const run = (sql: string, over: Partial<ReadOnlyLimits> = {}) => store.warehouse.runReadOnly(sql, { ...LIMITS, ...over });
const refusal = (sql: string, over: Partial<ReadOnlyLimits> = {}) => refusalOf(run(sql, over));
const rows = (r: ReadOnlyResult) => Array.from({ length: r.rowCount }, (_, i) => Object.fromEntries(r.columns.map((c, j) => [c.name, r.values[j]![i]])));

beforeAll(async () => {
  // Given the contract's seven valid example events.
  store = await tempDuckDb();
  await ingestTexts(store.warehouse, exampleTexts());
});
afterAll(() => store.cleanup());

describe('runReadOnly on DuckDB: answers', () => {
  it('answers a GROUP BY over events with engine types and exact values', async () => {
    const r = await run('SELECT type, count(*) AS n, sum(quantity) AS units, sum(unit_price_minor) AS price_minor FROM events GROUP BY type ORDER BY type');
    expect(r.columns).toEqual([
      { name: 'type', type: { kind: 'string' }, engine_type: 'VARCHAR' },
      { name: 'n', type: { kind: 'int64' }, engine_type: 'BIGINT' },
      { name: 'units', type: { kind: 'int64' }, engine_type: 'HUGEINT' },
      { name: 'price_minor', type: { kind: 'int64' }, engine_type: 'HUGEINT' },
    ]);
    expect(rows(r)).toEqual([
      { type: 'cart.checkout_started', n: 1n, units: null, price_minor: null },
      { type: 'cart.item_added', n: 3n, units: 5n, price_minor: 15073n },
      { type: 'cart.item_quantity_changed', n: 1n, units: null, price_minor: 499n },
      { type: 'cart.item_removed', n: 1n, units: 4n, price_minor: 499n },
      { type: 'order.placed', n: 1n, units: null, price_minor: null },
    ]);
    expect(r.truncated).toBe(false);
  });

  it('reads the cart model: every cart as of an instant from cart_state_asof', async () => {
    const r = await run(
      `SELECT cart_id, status, stage, items, units, value_minor, events, anomalies
       FROM cart_state_asof(epoch_ms(TIMESTAMP '2026-03-04 00:00:00'), 86400000) ORDER BY cart_id`,
    );
    expect(rows(r)).toEqual([
      { cart_id: 'cart-1001', status: 'converted', stage: null, items: 1n, units: 1n, value_minor: 12999n, events: 5n, anomalies: 1n },
      { cart_id: 'cart-2002', status: 'abandoned', stage: 'cart', items: 1n, units: 3n, value_minor: 1425n, events: 1n, anomalies: 0n },
      { cart_id: 'cart-3003', status: 'open', stage: null, items: 1n, units: 1n, value_minor: 1599n, events: 1n, anomalies: 0n },
    ]);
  });

  it('keeps nested, time, date, UUID and binary values typed', async () => {
    const r = await run(
      `SELECT event_id, occurred_at, order_items, DATE '2026-03-02' AS day, 'ab'::BLOB AS bytes, 1.5::DECIMAL(4,1) AS dec
       FROM events WHERE type = 'order.placed'`,
    );
    expect(r.columns.map((c) => [c.name, c.type])).toEqual([
      ['event_id', { kind: 'string' }],
      ['occurred_at', { kind: 'timestamp' }],
      [
        'order_items',
        {
          kind: 'list',
          item: {
            kind: 'struct',
            fields: [
              { name: 'product_id', type: { kind: 'string' } },
              { name: 'quantity', type: { kind: 'int32' } },
              { name: 'unit_price_minor', type: { kind: 'int64' } },
            ],
          },
        },
      ],
      ['day', { kind: 'date' }],
      ['bytes', { kind: 'binary' }],
      ['dec', { kind: 'float64' }],
    ]);
    expect(rows(r)).toEqual([
      {
        event_id: '5f8c6cfe-6de5-45b6-8c7d-445ab7a0e86b',
        occurred_at: Date.parse('2026-03-02T09:31:00.000Z'),
        order_items: [{ product_id: 'P0001', quantity: 1, unit_price_minor: 12999n }],
        day: Date.parse('2026-03-02T00:00:00Z'),
        bytes: Buffer.from('ab'),
        dec: 1.5,
      },
    ]);
  });

  it('cuts off rows past the row limit and says so, but not a result of exactly the limit', async () => {
    const over = await run('SELECT * FROM range(10) t(i)', { maxRows: 4 });
    expect([over.rowCount, over.truncated, over.values[0]]).toEqual([4, 'max_rows', [0n, 1n, 2n, 3n]]);
    const exact = await run('SELECT * FROM range(4) t(i)', { maxRows: 4 });
    expect([exact.rowCount, exact.truncated]).toEqual([4, false]);
  });

  it('cuts off rows past the size limit and says so', async () => {
    const r = await run("SELECT repeat('x', 100) AS s FROM range(10)", { maxBytes: 350 });
    expect([r.rowCount, r.truncated]).toEqual([3, 'max_bytes']);
  });

  it('stops a runaway query at the time limit, and the store keeps answering', async () => {
    const t0 = Date.now();
    expect(await refusal('SELECT count(*) FROM range(9223372036854775807)', { timeoutMs: 300 })).toEqual({
      code: 'query_timeout',
      limit_ms: 300,
      limit: 300,
      limit_name: 'sql_timeout_ms',
    });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect((await run('SELECT count(*) AS n FROM events')).values).toEqual([[7n]]);
  });

  it('reports errors of an allowed query as sql_error, and out-of-range values by name', async () => {
    expect(await refusal('SELECT no_such_column FROM events')).toMatchObject({ code: 'sql_error' });
    expect(await refusal('SELECT 170141183460469231731687303715884105727::HUGEINT AS big')).toEqual({ code: 'sql_value_out_of_range', column: 'big' });
  });
});

describe('runReadOnly on DuckDB: what the check lets through', () => {
  // Everyday analytics must not trip the fail-closed walk.
  it.each([
    "SELECT date_trunc('day', occurred_at) AS d, count(*) FROM events GROUP BY ALL ORDER BY ALL",
    "SELECT * FROM events PIVOT (count(*) FOR type IN ('cart.item_added', 'order.placed'))",
    'UNPIVOT (SELECT cart_id, quantity, to_quantity FROM events) ON quantity, to_quantity INTO NAME k VALUE v',
    "SELECT extract(year FROM occurred_at), strftime(occurred_at, '%Y'), occurred_at::DATE, epoch_ms(occurred_at) FROM events",
    "SELECT payload->>'type', json_extract_string(payload, '$.cart_id'), payload->'item' FROM events",
    'SELECT e.event_id, j.key FROM events e, LATERAL (SELECT * FROM json_each(e.payload)) j',
    'WITH x AS MATERIALIZED (SELECT 1 AS a), y AS (SELECT a + 1 AS b FROM x) SELECT * FROM x, y',
    "SELECT * FROM (VALUES (1, 'a'), (2, 'b')) t(a, b)",
    'SELECT cart_id, list(product_id ORDER BY occurred_at) FILTER (WHERE product_id IS NOT NULL) FROM events GROUP BY 1',
    'SELECT cart_id, quantity, lag(quantity) OVER w FROM events WINDOW w AS (PARTITION BY cart_id ORDER BY occurred_at)',
    "SELECT IF(quantity > 1, 'many', 'one'), ifnull(quantity, 0), quantity // 2, [x * 2 FOR x IN [1, 2, 3]] FROM events",
    'SELECT * EXCLUDE (payload) REPLACE (upper(type) AS type) FROM events',
    "SELECT COLUMNS('.*_minor') FROM events",
    'SELECT count(*) FROM events USING SAMPLE 50%',
    'SELECT DISTINCT ON (cart_id) cart_id, occurred_at FROM events ORDER BY cart_id, occurred_at DESC NULLS LAST LIMIT 2 OFFSET 1',
    "SELECT cart_id FROM events INTERSECT SELECT cart_id FROM events EXCEPT SELECT 'x'",
    'SUMMARIZE SELECT quantity FROM events',
    'DESCRIBE events',
    'SELECT quantity, count(*), grouping(quantity) FROM events GROUP BY GROUPING SETS ((quantity), ())',
    "SELECT {'a': 1}.a, map([1], [2]), 'a' || 'b', 'abc' LIKE 'a%', 'abc' SIMILAR TO 'a.*', 1 IS DISTINCT FROM 2, [1, 2, 3][2:3], TRY_CAST('x' AS INT), coalesce(NULL, 1), now()",
    'SELECT quantity FROM events QUALIFY row_number() OVER (PARTITION BY cart_id ORDER BY occurred_at) = 1',
    "SELECT * FROM events WHERE cart_id IN (SELECT cart_id FROM events WHERE type = 'order.placed') AND EXISTS (SELECT 1 FROM rejected_events)",
    'SELECT list_transform([1, 2], lambda x: x + 1), list_filter([1, 2], x -> x > 1)',
    'SELECT * FROM generate_series(1, 3) a, range(2) b, unnest([1, 2]) c',
    "SELECT unnest([1, 2]), unnest({'a': 1})",
    'SELECT s.cart_id, l.product_id FROM cart_state_asof(1800000000000, 86400000) s JOIN cart_lines_asof(1800000000000) l USING (cart_id)',
    'SELECT count(*) FROM events JOIN cart_replay_asof(1800000000000) USING (event_id)',
    'FROM main.events SELECT type LIMIT 1',
  ])('accepts %s', async (sql) => {
    await expect(run(sql)).resolves.toMatchObject({ truncated: false });
  });

  it('takes a recursive CTE as itself, even when it shares a hidden table name', async () => {
    const r = await run(
      'WITH RECURSIVE schema_migrations(version) AS (SELECT 1 UNION ALL SELECT version + 1 FROM schema_migrations WHERE version < 3) SELECT * FROM schema_migrations',
    );
    expect(r.values).toEqual([[1, 2, 3]]);
  });

  // INVARIANT under test: a name counts as a CTE only where DuckDB resolves it to the CTE.
  it.each([
    [
      'a CTE body naming itself reads the real table',
      'WITH schema_migrations AS (SELECT * FROM schema_migrations) SELECT * FROM schema_migrations',
      'schema_migrations',
    ],
    ['WITH RECURSIVE without a recursive union', 'WITH RECURSIVE schema_migrations AS (SELECT * FROM schema_migrations) SELECT 1', 'schema_migrations'],
    ['a CTE used outside its query', 'SELECT * FROM (WITH duckdb_tables AS (SELECT 1) SELECT * FROM duckdb_tables) a, duckdb_tables b', 'duckdb_tables'],
    ['a CTE used before it is declared', 'WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', 'b'],
    ['a schema-qualified hidden table', 'SELECT * FROM main.schema_migrations', 'main.schema_migrations'],
    ['the system catalogue', 'SELECT * FROM information_schema.tables', 'information_schema.tables'],
    ['a catalog-qualified table', 'SELECT * FROM system.main.duckdb_settings', 'system.main.duckdb_settings'],
    ['a URL as a table', "SELECT * FROM 'https://example.com/x.parquet'", 'https://example.com/x.parquet'],
  ])('refuses %s', async (_, sql, table) => {
    expect(await refusal(sql)).toEqual({ code: 'sql_forbidden_table', table });
  });

  // Hole 4 of issue 11: a CTE named like a hidden table must never open that table. DuckDB binds a
  // recursive CTE's anchor without the CTE in scope, so there the name is the real table.
  const HIDDEN = ['pg_settings', 'duckdb_databases', 'duckdb_tables', 'duckdb_settings', 'sqlite_master', 'schema_migrations', 'cart_replay', 'stage_events'];
  const SHAPES: [string, (h: string) => string][] = [
    ['a recursive CTE whose anchor names it', (h) => `WITH RECURSIVE ${h} AS (SELECT * FROM ${h} UNION ALL SELECT * FROM ${h} WHERE false) SELECT * FROM ${h}`],
    [
      'a recursive CTE whose anchor names it in a subquery',
      (h) => `WITH RECURSIVE ${h} AS (SELECT * FROM (SELECT * FROM ${h}) UNION ALL SELECT * FROM ${h} WHERE false) SELECT * FROM ${h}`,
    ],
    [
      'a recursive CTE whose anchor is a UNION naming it',
      (h) => `WITH RECURSIVE ${h} AS (SELECT * FROM ${h} UNION SELECT * FROM ${h} UNION ALL SELECT * FROM ${h} WHERE false) SELECT * FROM ${h}`,
    ],
    [
      'a recursive CTE read by a later CTE',
      (h) => `WITH RECURSIVE ${h} AS (SELECT * FROM ${h} UNION ALL SELECT * FROM ${h} WHERE false), b AS (SELECT * FROM ${h}) SELECT * FROM b`,
    ],
    ['a non-recursive CTE naming itself', (h) => `WITH ${h} AS (SELECT * FROM ${h}) SELECT * FROM ${h}`],
    ['WITH RECURSIVE over a plain body', (h) => `WITH RECURSIVE ${h} AS (SELECT * FROM ${h}) SELECT * FROM ${h}`],
    ['an earlier CTE reading a later one of that name', (h) => `WITH a AS (SELECT * FROM ${h}), ${h} AS (SELECT 1) SELECT * FROM a`],
    ['a subquery', (h) => `SELECT * FROM (SELECT * FROM ${h})`],
    ['a UNION branch', (h) => `SELECT count(*) FROM events UNION ALL SELECT count(*) FROM ${h}`],
    ['a lateral join', (h) => `SELECT * FROM events, LATERAL (SELECT * FROM ${h}) x`],
    ['a scalar subquery', (h) => `SELECT (SELECT count(*) FROM ${h})`],
  ];
  it.each(HIDDEN.flatMap((h) => SHAPES.map(([shape, sql]) => [h, shape, sql(h)] as const)))('refuses %s through %s', async (table, _, sql) => {
    expect(await refusal(sql)).toEqual({ code: 'sql_forbidden_table', table });
  });

  it.each([
    [
      'the settings table function in a recursive anchor',
      'WITH RECURSIVE s AS (SELECT name FROM duckdb_settings() UNION ALL SELECT name FROM s WHERE false) SELECT * FROM s',
      'duckdb_settings',
    ],
    [
      'a catalogue macro in a recursive anchor',
      'WITH RECURSIVE s AS (SELECT * FROM duckdb_tables() UNION ALL SELECT * FROM s WHERE false) SELECT * FROM s',
      'duckdb_tables',
    ],
  ])('refuses %s', async (_, sql, fn) => {
    expect(await refusal(sql)).toEqual({ code: 'sql_forbidden_function', function: fn });
  });

  it.each([
    ['information_schema.tables', 'SELECT * FROM (SELECT * FROM information_schema.tables)'],
    [
      'information_schema.tables',
      'WITH RECURSIVE t AS (SELECT table_name FROM information_schema.tables UNION ALL SELECT table_name FROM t WHERE false) SELECT * FROM t',
    ],
    ['pg_catalog.pg_settings', 'SELECT 1 UNION ALL SELECT count(*) FROM pg_catalog.pg_settings'],
  ])('refuses the qualified %s in %s', async (table, sql) => {
    expect(await refusal(sql)).toEqual({ code: 'sql_forbidden_table', table });
  });

  it('lets a recursive CTE named like an exposed table read that table in its anchor', async () => {
    const r = await run(
      'WITH RECURSIVE events AS (SELECT cart_id FROM events UNION ALL SELECT cart_id FROM events WHERE false) SELECT count(*) AS n FROM events',
    );
    expect(r.values).toEqual([[7n]]);
  });

  it.each([
    ['a file reader in a lateral join', "SELECT * FROM events, LATERAL read_text('/etc/hostname')", 'read_text'],
    ['a file reader inside a lambda', "SELECT list_transform(['/etc/hostname'], x -> (SELECT content FROM read_text(x)))", 'read_text'],
    ['a file reader under DESCRIBE', "DESCRIBE SELECT * FROM read_blob('/etc/hostname')", 'read_blob'],
    ['SQL run by a table function', "SELECT * FROM query('SELECT * FROM schema_migrations')", 'query'],
    ['a plan of SQL text', "SELECT json_serialize_plan('SELECT * FROM read_text(''/etc/hostname'')')", 'json_serialize_plan'],
    ['a qualified denied function', "SELECT main.current_setting('threads')", 'current_setting'],
    ['a catalogue-qualified function', "SELECT system.main.current_setting('threads')", 'current_setting'],
    ['a system table function', 'SELECT * FROM duckdb_settings()', 'duckdb_settings'],
    ['sleeping', 'SELECT sleep_ms(10)', 'sleep_ms'],
    ['a sequence write', "SELECT nextval('s')", 'nextval'],
    ['writing the log', "SELECT write_log('x')", 'write_log'],
    ['an unknown function (no autoloading)', 'SELECT st_point(1, 2)', 'st_point'],
    ['a table macro as a scalar', 'SELECT cart_state_asof(1, 2)', 'cart_state_asof'],
  ])('refuses %s', async (_, sql, fn) => {
    expect(await refusal(sql)).toEqual({ code: 'sql_forbidden_function', function: fn });
  });

  // A built-in macro runs its own body, which the check does not walk: those that query anything are denied.
  it('denies every built-in macro whose body reads a table', async () => {
    const macros = await store.warehouse.all(
      "SELECT DISTINCT function_name AS name FROM duckdb_functions() WHERE function_type = 'macro' AND internal AND macro_definition ILIKE '%FROM %' ORDER BY name",
    );
    expect(macros.length).toBeGreaterThan(0);
    for (const { name } of macros) expect(await refusal(`SELECT ${String(name)}(1)`)).toMatchObject({ code: 'sql_forbidden_function', function: name });
  });

  it('refuses SHOW TABLES (the whole catalogue) as unsupported', async () => {
    expect(await refusal('SHOW TABLES')).toMatchObject({ code: 'sql_unsupported' });
  });

  it('refuses IMPORT DATABASE without touching the file system (only the parser sees it)', async () => {
    expect(await refusal("IMPORT DATABASE '/nonexistent-carrello-dir'")).toEqual({ code: 'sql_not_read_only' });
  });
});
