/**
 * What the data team's SQL may reach on ClickHouse (POST /v1/sql), checked twice: on the statement's
 * AST (`EXPLAIN AST`, sandbox.ts) and on the analyzer's resolved query tree (`EXPLAIN QUERY TREE`,
 * tree.ts). Allow-lists for everything that names data; a deny-list among scalar functions, which
 * compute on values they are given, for those that reach files, settings, the host or tables by name.
 */

/** Tables readable by name in FROM (this database's). */
export const EXPOSED_TABLES: ReadonlySet<string> = new Set(['events', 'rejected_events']);

/** System tables readable by name: constant generators, nothing about the server. */
export const EXPOSED_SYSTEM_TABLES: ReadonlySet<string> = new Set(['system.numbers', 'system.numbers_mt', 'system.one', 'system.zeros']);

/** Table functions and parameterized views callable in FROM. None reads a file, the network or a setting. */
export const EXPOSED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set([
  // The cart model, sql/clickhouse/views/010_cart_model.sql (parameterized views).
  'cart_replay_asof',
  'cart_lines_asof',
  'cart_state_asof',
  'audience_asof',
  // Generators of values.
  'numbers',
  'numbers_mt',
  'zeros',
  'generateSeries',
  'generate_series',
  'values',
]);

/**
 * Functions whose right-hand side may be a bare table name (`x IN system.processes`): ClickHouse reads
 * that table as the set, so the name goes through the table allow-list like a FROM.
 */
export const IN_FUNCTIONS: ReadonlySet<string> = new Set(['in', 'notIn', 'globalIn', 'globalNotIn', 'nullIn', 'notNullIn', 'globalNullIn', 'globalNotNullIn']);

const HOST = 'reads the host';
const CONFIG = 'reads server configuration';
const ACCESS = 'reads access control';
const BUILD = 'reveals the engine build (and so which known flaws apply)';

/**
 * Scalar functions refused anyway, with the reason given to the client. Matched without regard to case
 * (ClickHouse resolves `FQDN` and `fqdn` alike); aliases are listed under their own names.
 */
export const DENIED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['file', 'reads a file of the server'],
  ['getSetting', 'reads engine settings'],
  ['getSettingOrDefault', 'reads engine settings'],
  ['getMacro', 'reads server configuration'],
  ['getServerPort', 'reads server configuration'],
  ['getServerSetting', 'reads server configuration'],
  ['getMergeTreeSetting', 'reads server configuration'],
  ['getClientHTTPHeader', 'reads request headers'],
  ['hostName', HOST],
  ['FQDN', HOST],
  ['fullHostName', HOST],
  ['displayName', HOST],
  ['getOSKernelVersion', HOST],
  ['uptime', HOST],
  ['zookeeperSessionUptime', HOST],
  ['serverUUID', CONFIG],
  ['tcpPort', CONFIG],
  ['shardNum', 'reads the cluster layout'],
  ['shardCount', 'reads the cluster layout'],
  ['version', BUILD],
  ['revision', BUILD],
  ['buildId', BUILD],
  ['currentDatabase', CONFIG],
  ['current_database', CONFIG],
  ['DATABASE', CONFIG],
  ['SCHEMA', CONFIG],
  ['currentSchemas', CONFIG],
  ['current_schemas', CONFIG],
  ['hasColumnInTable', 'reads the structure of a table named by a string'],
  ['getMaxTableNameLengthForDatabase', 'reads a database named by a string'],
  ['currentUser', ACCESS],
  ['current_user', ACCESS],
  ['user', ACCESS],
  ['session_user', ACCESS],
  ['authenticatedUser', ACCESS],
  ['authUser', ACCESS],
  ['currentProfiles', 'reads access control'],
  ['enabledProfiles', 'reads access control'],
  ['defaultProfiles', 'reads access control'],
  ['currentRoles', 'reads access control'],
  ['enabledRoles', 'reads access control'],
  ['defaultRoles', 'reads access control'],
  ['sleep', 'holds a thread without doing work'],
  ['sleepEachRow', 'holds a thread without doing work'],
  ['joinGet', 'reads a Join table by name'],
  ['joinGetOrNull', 'reads a Join table by name'],
  ['evalMLMethod', 'runs a model'],
  ['catboostEvaluate', 'loads a model file'],
  ['naiveBayesClassifier', 'loads a model file'],
  ['transactionID', 'reads transaction state'],
  ['transactionLatestSnapshot', 'reads transaction state'],
  ['transactionOldestSnapshot', 'reads transaction state'],
  ['formatQuery', 'handles SQL text of its own'],
  ['formatQuerySingleLine', 'handles SQL text of its own'],
  ['formatQueryOrNull', 'handles SQL text of its own'],
  ['formatQuerySingleLineOrNull', 'handles SQL text of its own'],
  ['structureToCapnProtoSchema', 'handles schemas of its own'],
  ['structureToProtobufSchema', 'handles schemas of its own'],
  ['showCertificate', 'reads server configuration'],
  ['connectionId', 'reads session state'],
]);

/**
 * Prefixes refused whatever follows: dictionaries (named by a string, whose sources may be files, URLs
 * or servers) and the host's file systems.
 */
export const DENIED_PREFIXES: readonly string[] = ['dict', 'filesystem'];

const DENIED_LOWER = new Map([...DENIED_FUNCTIONS].map(([name, why]) => [name.toLowerCase(), why]));

/** Why a function is refused, or undefined when it may run. */
export function deniedFunction(name: string): string | undefined {
  const lower = name.toLowerCase();
  return DENIED_LOWER.get(lower) ?? (DENIED_PREFIXES.some((p) => lower.startsWith(p)) ? 'reads data outside the exposed tables' : undefined);
}
