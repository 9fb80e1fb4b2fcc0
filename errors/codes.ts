/**
 * Every error carrello raises, by its stable code: the HTTP status and title it is answered with, and the
 * Retry-After it carries. Codes are snake_case, matched by clients (`code` of a problem+json answer) and by
 * callers (`err.code === 'store_locked'`); a code, once published, keeps its meaning.
 *
 * A code with status 500 is the process's own (configuration, store, command line): the API never shows
 * its message to a client; it answers 500 `internal` and logs it.
 */
export interface CodeEntry {
  status: number;
  title: string;
  /** Seconds sent as Retry-After with the answer: the client should send the same request again. */
  retryAfterS?: number;
}

export const ERROR_CODES = {
  // Requests the client must fix.
  invalid_request: { status: 400, title: 'Invalid request' },
  invalid_json: { status: 400, title: 'Body is not JSON' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  invalid_range: { status: 400, title: 'Invalid time range' },
  range_too_large: { status: 400, title: 'Time range too large' },
  invalid_snapshot: { status: 400, title: 'Invalid cart snapshot' },
  invalid_shopify_payload: { status: 400, title: 'Invalid Shopify payload' },
  request_aborted: { status: 400, title: 'Request aborted' },
  invalid_content_length: { status: 400, title: 'Invalid Content-Length' },
  unauthenticated: { status: 401, title: 'Unauthenticated' },
  invalid_signature: { status: 401, title: 'Invalid signature' },
  forbidden: { status: 403, title: 'Forbidden' },
  origin_not_allowed: { status: 403, title: 'Origin not allowed' },
  cors_origin_not_allowed: { status: 403, title: 'CORS origin not allowed' },
  cors_method_not_allowed: { status: 403, title: 'CORS method not allowed' },
  not_found: { status: 404, title: 'Not found' },
  cart_not_found: { status: 404, title: 'Cart not found' },
  dead_letter_not_found: { status: 404, title: 'Dead letter not found' },
  endpoint_not_found: { status: 404, title: 'Webhook endpoint not found' },
  not_acceptable: { status: 406, title: 'Not acceptable' },
  body_too_large: { status: 413, title: 'Body too large' },
  too_many_events: { status: 413, title: 'Too many events' },
  too_many_snapshots: { status: 413, title: 'Too many snapshots' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unsupported_encoding: { status: 415, title: 'Unsupported content encoding' },
  unsupported_charset: { status: 415, title: 'Unsupported charset' },
  export_too_large: { status: 422, title: 'Export too large' },
  rate_limited: { status: 429, title: 'Rate limited', retryAfterS: 1 },
  too_many_queries: { status: 429, title: 'Too many SQL queries', retryAfterS: 1 },
  too_many_exports: { status: 429, title: 'Too many exports', retryAfterS: 1 },
  too_many_exports_for_key: { status: 429, title: 'Too many exports for this key', retryAfterS: 1 },

  // The data team's SQL (sql/errors.ts says what each means).
  sql_empty: { status: 400, title: 'Empty query' },
  sql_multiple_statements: { status: 400, title: 'More than one statement' },
  sql_syntax_error: { status: 400, title: 'SQL syntax error' },
  sql_not_read_only: { status: 400, title: 'Not a read-only query' },
  sql_forbidden_table: { status: 400, title: 'Table not exposed' },
  sql_forbidden_function: { status: 400, title: 'Function not exposed' },
  sql_unsupported: { status: 400, title: 'SQL construct not supported' },
  sql_forbidden_access: { status: 400, title: 'Access refused by the engine' },
  sql_error: { status: 400, title: 'SQL error' },
  sql_value_out_of_range: { status: 400, title: 'Value out of range' },
  sql_value_too_large: { status: 400, title: 'Value too large' },
  query_timeout: { status: 400, title: 'Query timed out' },
  query_out_of_memory: { status: 400, title: 'Query out of memory' },
  query_result_too_large: { status: 400, title: 'Query result too large' },

  // The server cannot answer now, or not on this engine.
  internal: { status: 500, title: 'Internal error' },
  not_supported_on_engine: { status: 501, title: 'Not supported on this engine' },
  overloaded: { status: 503, title: 'Overloaded', retryAfterS: 1 },
  kafka_unavailable: { status: 503, title: 'Kafka unavailable', retryAfterS: 5 },
  store_unavailable: { status: 503, title: 'Store unavailable', retryAfterS: 5 },
  export_deadline_exceeded: { status: 503, title: 'Export deadline exceeded' },

  // The producer SDK's (ingest/producer/): thrown to the shop's code, never answered over HTTP as such.
  event_refused: { status: 400, title: 'Event refused' },
  producer_backpressure: { status: 503, title: 'Producer buffer full', retryAfterS: 1 },
  producer_closed: { status: 503, title: 'Producer closed' },
  collector_refused: { status: 502, title: 'Collector refused the request' },
  collector_gave_up: { status: 503, title: 'Collector not reached' },

  // The process's own: configuration, stores, the command line (status 500: never shown to a client).
  usage: { status: 500, title: 'Usage error' },
  invalid_config: { status: 500, title: 'Invalid configuration' },
  invalid_api_keys: { status: 500, title: 'Invalid API keys' },
  command_failed: { status: 500, title: 'Command failed' },
  unreachable: { status: 500, title: 'Unreachable' },
  store_not_found: { status: 500, title: 'Store not found' },
  store_locked: { status: 500, title: 'Store locked' },
  warehouse_unavailable: { status: 500, title: 'Warehouse unavailable' },
  insert_refused: { status: 500, title: 'Insert refused' },
  derived_refused: { status: 500, title: 'Derived event refused' },
  chdb_missing: { status: 500, title: 'chdb missing' },
  chdb_path_in_use: { status: 500, title: 'chdb path in use' },
  invalid_clickhouse_url: { status: 500, title: 'Invalid ClickHouse URL' },
} as const satisfies Record<string, CodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(s: unknown): s is ErrorCode {
  return typeof s === 'string' && Object.hasOwn(ERROR_CODES, s);
}

export function codeEntry(code: ErrorCode): CodeEntry {
  return ERROR_CODES[code];
}
