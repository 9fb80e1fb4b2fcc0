import { createClient, type ClickHouseClient, type ClickHouseSettings } from '@clickhouse/client';
import { CarrelloError } from '../../errors/carrelloError.ts';

/**
 * Where a ClickHouse warehouse lives: a server over HTTP(S), or the ClickHouse engine in-process (chdb)
 * on a data directory. The same @clickhouse/client code talks to both.
 */
export type ClickHouseTarget =
  | { kind: 'server'; url: string; username: string; password: string; database: string }
  | { kind: 'chdb'; path: string; database: string };

const DATABASE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `clickhouse://user:pass@host:8123/db` (plain HTTP), `clickhouses://…` (HTTPS), or the http(s):// form
 * that CLICKHOUSE_URL usually holds. The database defaults to `default`; user and password are
 * percent-decoded.
 */
export function parseClickHouseUrl(s: string): Extract<ClickHouseTarget, { kind: 'server' }> {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new CarrelloError('invalid_clickhouse_url', `not a URL: use clickhouse://user:pass@host:8123/db`);
  }
  const scheme = { 'clickhouse:': 'http:', 'http:': 'http:', 'clickhouses:': 'https:', 'https:': 'https:' }[u.protocol];
  if (!scheme || !u.hostname) {
    throw new CarrelloError('invalid_clickhouse_url', `unsupported ClickHouse URL scheme ${u.protocol}; use clickhouse://user:pass@host:8123/db`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\/+|\/+$/g, '')) || 'default';
  if (!DATABASE.test(database)) {
    throw new CarrelloError('invalid_clickhouse_url', `database name ${JSON.stringify(database)} must match ${DATABASE.source}`);
  }
  const port = u.port || (scheme === 'https:' ? '8443' : '8123');
  return {
    kind: 'server',
    url: `${scheme}//${u.hostname}:${port}`, // an IPv6 hostname keeps its brackets
    username: decodeURIComponent(u.username) || 'default',
    password: decodeURIComponent(u.password),
    database,
  };
}

/** A target as text without its password, for logs. */
export function describeTarget(t: ClickHouseTarget): string {
  return t.kind === 'chdb' ? `chdb:${t.path} (database ${t.database})` : `${t.url} as ${t.username} (database ${t.database})`;
}

/**
 * Settings on every request. 64-bit integers come back as JSON strings (never silently rounded);
 * a LEFT JOIN miss gives NULL as in standard SQL, which the SQL files rely on.
 */
export const BASE_SETTINGS: ClickHouseSettings = {
  output_format_json_quote_64bit_integers: 1,
  join_use_nulls: 1,
};

/**
 * An insert of a body already in `format`, with settings scoped to that one insert. On chdb it is the
 * engine's own bytes insert (the buffer goes to ClickHouse's parser as it is); null on a server, where
 * the client's exec streams the body over HTTP.
 */
export type RawInsert = (table: string, format: 'JSONEachRow', body: Buffer, settings: ClickHouseSettings) => Promise<void>;

export interface OpenedClient {
  client: ClickHouseClient;
  rawInsert: RawInsert | null;
}

/** Opens a client on the target's database, creating the database when it does not exist. */
export async function openClient(target: ClickHouseTarget): Promise<OpenedClient> {
  if (!DATABASE.test(target.database)) throw new Error(`invalid database name ${JSON.stringify(target.database)}`);
  if (target.kind === 'server') {
    const base = { url: target.url, username: target.username, password: target.password, clickhouse_settings: BASE_SETTINGS };
    const bootstrap = createClient({ ...base, database: 'default' });
    try {
      await ensureDatabase(bootstrap, target.database);
    } finally {
      await bootstrap.close();
    }
    return { client: createClient({ ...base, database: target.database }), rawInsert: null };
  }
  // chdb ignores the client's `database` option: the session's current database is set with USE,
  // which lasts for the session (one session per client).
  const connection = await chdbConnection(target.path);
  const client = createClient({ connection, clickhouse_settings: BASE_SETTINGS });
  try {
    await ensureDatabase(client, target.database);
    await client.command({ query: `USE ${target.database}` });
  } catch (err) {
    await client.close();
    throw err;
  }
  const { chdb } = connection as unknown as ChdbConnection;
  // The same session as the client's (so the same database); settings go in the INSERT itself.
  const rawInsert: RawInsert = async (table, format, body, settings) => {
    await chdb.rawInsert({ table, format, values: body, settings: settings as Record<string, string | number | boolean> });
  };
  return { client, rawInsert };
}

/**
 * A session of its own on the target's database for the data team's SQL (sandbox/sessions.ts): on chdb,
 * settings sent with a query outlive it in its session, so the read-only one (readonly = 2, which
 * cannot be lowered again) and its limits stay away from the session the warehouse writes with.
 */
export async function openReadOnlyClient(target: ClickHouseTarget): Promise<ClickHouseClient> {
  if (target.kind === 'server') {
    return createClient({
      url: target.url,
      username: target.username,
      password: target.password,
      database: target.database,
      clickhouse_settings: { ...BASE_SETTINGS, readonly: '2' },
    });
  }
  const client = createClient({ connection: await chdbConnection(target.path), clickhouse_settings: BASE_SETTINGS });
  try {
    await client.command({ query: `USE ${target.database}` });
    await client.command({ query: 'SET readonly = 2' });
  } catch (err) {
    await client.close();
    throw err;
  }
  return client;
}

async function ensureDatabase(client: ClickHouseClient, database: string): Promise<void> {
  const rs = await client.query({
    query: 'SELECT count() AS n FROM system.databases WHERE name = {db:String}',
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string | number }>();
  // The name is checked against DATABASE above: identifiers cannot be bound as parameters in DDL.
  if (Number(row?.n) === 0) await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
}

type ChdbConnectionModule = typeof import('chdb/connection');
type ChdbConnection = ReturnType<ChdbConnectionModule['createChdbConnection']>;
/** chdb implements the client's Connection contract, typed against its own copy of @clickhouse/client-common. */
type ClientConnection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;

/**
 * chdb is a dev dependency (tests) and an optional one for `chdb:PATH` installs, so it is imported only
 * when asked for: a production install without it never loads it.
 */
export async function loadChdb(importer: () => Promise<unknown> = () => import('chdb/connection')): Promise<ChdbConnectionModule> {
  try {
    const imported = (await importer()) as Partial<ChdbConnectionModule> & { default?: ChdbConnectionModule };
    return imported.createChdbConnection ? (imported as ChdbConnectionModule) : imported.default!;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new CarrelloError(
        'chdb_missing',
        'a chdb:PATH store runs ClickHouse in-process and needs the chdb package, which is not installed: run `npm i chdb` (or point carrello at a server with clickhouse://user:pass@host:8123/db)',
      );
    }
    throw err;
  }
}

async function chdbConnection(path: string): Promise<ClientConnection> {
  const mod = await loadChdb();
  try {
    return mod.createChdbConnection({ path }) as unknown as ClientConnection;
  } catch (err) {
    throw new CarrelloError(
      'chdb_path_in_use',
      `chdb could not open ${path}: chdb binds one data directory per process, and this process may already use another. chdb said: ${(err as Error).message}`,
    );
  }
}
