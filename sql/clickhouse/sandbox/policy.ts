/**
 * What the data team's SQL may reach on ClickHouse (POST /v1/sql), checked on the statement's AST
 * (`EXPLAIN AST`, sandbox.ts). Allow-lists for everything that names data; a deny-list among scalar
 * functions, which compute on values they are given, for those that reach files, settings or the host.
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

/** Scalar functions refused anyway, with the reason given to the client. */
export const DENIED_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['file', 'reads a file of the server'],
  ['getSetting', 'reads engine settings'],
  ['getSettingOrDefault', 'reads engine settings'],
  ['getMacro', 'reads server configuration'],
  ['getServerPort', 'reads server configuration'],
  ['getServerSetting', 'reads server configuration'],
  ['getMergeTreeSetting', 'reads server configuration'],
  ['getClientHTTPHeader', 'reads request headers'],
  ['getOSKernelVersion', 'reads the host'],
  ['hostName', 'reads the host'],
  ['hostname', 'reads the host'],
  ['fqdn', 'reads the host'],
  ['FQDN', 'reads the host'],
  ['filesystemAvailable', 'reads the host'],
  ['filesystemCapacity', 'reads the host'],
  ['filesystemUnreserved', 'reads the host'],
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

/** Prefixes refused whatever follows: dictionaries (whose sources may be files, URLs or servers). */
export const DENIED_PREFIXES: readonly string[] = ['dict'];
