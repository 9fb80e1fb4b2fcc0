import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseStore, type StoreConfig } from '../sql/open.ts';
import { parseApiKeys } from '../api/auth.ts';
import { timeZone } from '../api/http/params.ts';
import { parseOrigins } from '../api/http/cors.ts';
import { parseEndpoints } from '../announce/endpoints.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from '../api/limits.ts';
import { FAILPOINTS } from '../ingest/kafka/runner.ts';
import { DEFAULT_TOPIC, deadLetterTopicOf } from '../ingest/kafka/topics.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * carrello's configuration: parsed once, at the composition root, from flags and the environment,
 * then passed down. No other module reads process.env.
 */
const Store = z.string().transform((s, ctx): StoreConfig => {
  try {
    return parseStore(s);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

const num = (def: number) => z.coerce.number().int().positive().default(def);
/** A text setting (empty by default) turned into a value by `parse`; what it throws is the setting's error. */
const parsedWith = <T>(parse: (s: string) => T) =>
  z
    .string()
    .default('')
    .transform((s, ctx) => {
      try {
        return parse(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    });

export const Config = z.object({
  /** Port of the API, collector and dashboards (flag --port, env PORT). */
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  /** Address to listen on (flag --host, env CARRELLO_HOST). Loopback by default. */
  host: z.string().default('127.0.0.1'),
  /**
   * Where events are stored (flag --store, env CARRELLO_STORE, else env CLICKHOUSE_URL): duckdb:PATH,
   * clickhouse://user:pass@host:8123/db, or chdb:PATH (ClickHouse in-process; needs `npm i chdb`).
   */
  store: Store.prefault('duckdb:./data/carrello.duckdb'),
  /** Seed the store with simulated history and keep a live trickle going (flag --demo). */
  demo: z.boolean().default(false),
  demo_days: num(30),
  demo_carts_per_day: num(1_000),
  /** Live simulated events per second after the backfill (fractions allowed). */
  demo_live_events_per_second: z.coerce.number().min(0).default(0.5),
  demo_seed: z.string().default('carrello-demo'),
  /** pino level (env LOG_LEVEL). */
  log_level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** auto: readable lines on a terminal, JSON lines otherwise; json or pretty to choose. */
  log_format: z.enum(['auto', 'json', 'pretty']).default('auto'),
  batch_max_events: num(5_000),
  batch_max_wait_ms: num(20),
  ingest_max_pending: num(100_000),
  max_event_bytes: num(64 * 1024),
  collector_max_body_bytes: num(1024 * 1024),
  collector_max_events: num(1_000),
  /** POST /v1/sql: a query is stopped after this long (env CARRELLO_SQL_TIMEOUT_MS). */
  sql_timeout_ms: num(DEFAULT_API_LIMITS.sql.timeoutMs),
  /** POST /v1/sql: rows beyond this are cut off and the answer says truncated (env CARRELLO_SQL_MAX_ROWS). */
  sql_max_rows: num(DEFAULT_API_LIMITS.sql.maxRows),
  /** POST /v1/sql: rough bound on the bytes of rows held for one answer; beyond it, truncated (env CARRELLO_SQL_MAX_RESULT_BYTES). */
  sql_max_result_bytes: num(DEFAULT_API_LIMITS.sql.maxBytes),
  /** POST /v1/sql on ClickHouse: memory one query may use in the engine; beyond it, 400 query_out_of_memory (env CARRELLO_SQL_MAX_MEMORY_BYTES). */
  sql_max_memory_bytes: num(DEFAULT_API_LIMITS.sql.maxMemoryBytes),
  /** POST /v1/sql: queries running at once; more are answered 429 (env CARRELLO_SQL_MAX_CONCURRENT). */
  sql_max_concurrent: num(DEFAULT_API_LIMITS.sql.maxConcurrent),
  /** GET /v1/export/events: most events in one export; a larger range is answered 422 (env CARRELLO_EXPORT_MAX_ROWS). */
  export_max_rows: num(DEFAULT_API_LIMITS.export.maxRows),
  /** GET /v1/export/events: exports streaming at once; more are answered 429 (env CARRELLO_EXPORT_MAX_CONCURRENT). */
  export_max_concurrent: num(DEFAULT_API_LIMITS.export.maxConcurrent),
  /** GET /v1/export/events: exports one API key (one client address without keys) streams at once; more are answered 429 (env CARRELLO_EXPORT_MAX_PER_KEY). */
  export_max_per_key: num(DEFAULT_API_LIMITS.export.maxPerKey),
  /**
   * GET /v1/export/events: an export still running after this long is stopped and its slot freed, whether the
   * engine or a reader that does not read holds it (env CARRELLO_EXPORT_DEADLINE_MS).
   */
  export_deadline_ms: num(DEFAULT_API_LIMITS.export.deadlineMs),
  /** `role:key` pairs (env CARRELLO_API_KEYS, or a file named by CARRELLO_API_KEYS_FILE). None: no authentication, loopback only. */
  api_keys: parsedWith(parseApiKeys),
  /** Collector requests per second per API key (per client address without keys); 0 turns it off (env CARRELLO_COLLECTOR_RATE_LIMIT). */
  collector_rate_limit: z.coerce.number().int().min(0).default(100),
  /** Browser origins allowed to POST /v1/events across origins (env CARRELLO_CORS_ORIGINS, exact origins, comma-separated); none: no CORS. */
  cors_origins: parsedWith(parseOrigins),
  /** Origins a `public` key is taken from (env CARRELLO_PUBLIC_ORIGINS; unset: CARRELLO_CORS_ORIGINS); any other Origin is 403. */
  public_origins: parsedWith(parseOrigins),
  /** Requests per second one public key takes from all clients together; beyond it 429 (env CARRELLO_PUBLIC_RATE_LIMIT). */
  public_rate_limit: num(1_000),
  /** Requests per second one public key takes from one client address; beyond it 429 (env CARRELLO_PUBLIC_RATE_LIMIT_PER_ADDRESS). */
  public_rate_limit_per_address: num(10),

  /** Shopify's webhook signing secret: POST /v1/shopify/webhooks is mounted only with it (env CARRELLO_SHOPIFY_SECRET). */
  shopify_secret: z
    .string()
    .min(1)
    .optional()
    .transform((s) => s ?? null),
  /** The shop's ISO 4217 currency, for Shopify payloads that name none (env CARRELLO_SHOPIFY_CURRENCY; none by default). */
  shopify_currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as EUR')
    .optional()
    .transform((s) => s ?? null),

  // Kafka mode: set KAFKA_BROKERS and the collector publishes to Kafka, workers consume it.
  /** Bootstrap brokers, comma-separated host:port (env KAFKA_BROKERS); unset = embedded mode, no Kafka. */
  kafka_brokers: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected host:port')))
    .transform((list) => (list.length > 0 ? list : null)),
  kafka_client_id: z.string().min(1).default('carrello'),
  kafka_topic: z.string().min(1).default(DEFAULT_TOPIC),
  /** Default: the event topic's name plus `.dlq`. */
  kafka_dlq_topic: z.string().min(1).optional(),
  /** Partitions of the topics when carrello creates them (existing topics are left as they are). */
  kafka_partitions: num(12),
  /** Replication factor when carrello creates the topics; -1 = the broker's default.replication.factor. */
  kafka_replication_factor: z.coerce
    .number()
    .int()
    .min(-1)
    .refine((n) => n !== 0, 'must be -1 or at least 1')
    .default(-1),
  /** max.message.bytes of the event topic when created (the dead-letter topic gets 64 KiB more); fetch sizes follow it. */
  kafka_max_message_bytes: num(1024 * 1024),
  kafka_group_id: z.string().min(1).default('carrello-ingest'),
  /** Partition batches a worker processes at once; they share warehouse writes. */
  kafka_concurrency: num(4),
  kafka_session_timeout_ms: num(30_000),
  /** Producer: wait this long for more events before sending a request that is not full. */
  kafka_linger_ms: z.coerce.number().int().min(0).default(5),
  /** Producer: messages buffered or in flight, at most; beyond it the collector answers 503 overloaded. */
  kafka_producer_max_buffered: num(20_000),
  /** Producer: a request not acknowledged by Kafka within this time fails (the collector answers 503). */
  kafka_delivery_timeout_ms: num(15_000),
  /** Worker: pause of a partition whose batch could not be written, doubling from min up to max. */
  warehouse_retry_min_ms: num(500),
  warehouse_retry_max_ms: num(30_000),
  /**
   * Worker: how often the stored cart model is brought up to date with what the worker wrote (ClickHouse's
   * kept folds, read directly by the Grafana dashboard; API reads refresh it themselves); 0 turns it off.
   */
  derived_refresh_ms: z.coerce.number().int().min(0).default(30_000),
  /**
   * How often the lifecycle's writer (`carrello start`, or the `carrello ingest` worker holding partition 0)
   * detects cart lifecycle announcements into the store's log (docs/lifecycle.md); 0 (the default) turns it off.
   */
  lifecycle_detect_ms: z.coerce.number().int().min(0).default(0),
  /** How late an event may arrive, after the newest one seen, and still count before an announcement. */
  lifecycle_lateness_ms: z.coerce
    .number()
    .int()
    .min(0)
    .default(15 * 60_000),
  /** Inactivity after which a cart holding items is announced abandoned (the analytics' default, 24 h). */
  lifecycle_abandon_after_ms: z.coerce
    .number()
    .int()
    .min(60_000)
    .default(24 * 3_600_000),
  /** Kafka mode: the topic the announcement log is published to ('' for none; docs/lifecycle.md). */
  lifecycle_topic: z.string().default('carrello.cart-lifecycle.v1'),
  /** The shop's time zone (IANA): the local days of answers by day, and of dates in from/to (docs/metrics.md). */
  timezone: timeZone.default('UTC'),
  /** An order of the customer in another cart within this long after an abandonment recovers it (7 days). */
  lifecycle_recovery_window_ms: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 86_400_000),
  /** Webhook endpoints the announcement log is delivered to (env CARRELLO_WEBHOOKS, a JSON array; docs/lifecycle.md). */
  webhooks: parsedWith(parseEndpoints),
  /** Webhooks: an attempt unanswered by then failed; attempts per announcement before its dead letter; waits between them. */
  webhook_timeout_ms: num(10_000),
  webhook_max_attempts: num(12),
  webhook_min_backoff_ms: num(1_000),
  webhook_max_backoff_ms: num(600_000),
  /** Webhooks: announcements that happened longer ago than this are kept in the log but not sent (a backfill does not flood receivers). */
  webhook_horizon_ms: num(48 * 3_600_000),
  /** Worker: how often consumer lag is read for /metrics. */
  kafka_lag_interval_ms: num(5_000),
  /** Port of a worker's /healthz and /metrics (`carrello ingest --port`, env CARRELLO_WORKER_PORT). */
  worker_port: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Fault injection for tests (env CARRELLO_FAILPOINT): after_write_before_commit kills the worker right after a write. */
  failpoint: z
    .enum(FAILPOINTS)
    .optional()
    .transform((f) => f ?? null),
  /**
   * Fault injection for tests (env CARRELLO_FAILPOINT=warehouse_down_ms:<n>): the worker's warehouse writes
   * fail for n ms from the first one, as if the store were unreachable. null: never.
   */
  warehouse_down_ms: z.coerce
    .number()
    .int()
    .min(1)
    .optional()
    .transform((n) => n ?? null),
});
export type Config = z.infer<typeof Config>;

/** Where the dead-letter copies go. */
export const deadLetterTopic = (config: Config): string => config.kafka_dlq_topic ?? deadLetterTopicOf(config.kafka_topic);

const emptyToUndefined = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** Flags win over the environment; unknown or malformed values stop the process with the field named. */
export function parseConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): Config {
  const input = {
    port: flags.port ?? env.PORT,
    host: flags.host ?? env.CARRELLO_HOST,
    store: flags.store ?? env.CARRELLO_STORE ?? env.CLICKHOUSE_URL,
    demo: flags.demo,
    demo_days: flags.days ?? env.CARRELLO_DEMO_DAYS,
    demo_carts_per_day: env.CARRELLO_DEMO_CARTS_PER_DAY,
    demo_live_events_per_second: env.CARRELLO_DEMO_LIVE_RATE,
    demo_seed: flags.seed ?? env.CARRELLO_DEMO_SEED,
    log_level: env.LOG_LEVEL,
    log_format: env.CARRELLO_LOG_FORMAT,
    batch_max_events: env.CARRELLO_BATCH_MAX_EVENTS,
    batch_max_wait_ms: env.CARRELLO_BATCH_MAX_WAIT_MS,
    ingest_max_pending: env.CARRELLO_INGEST_MAX_PENDING,
    max_event_bytes: env.CARRELLO_MAX_EVENT_BYTES,
    collector_max_body_bytes: env.CARRELLO_COLLECTOR_MAX_BODY_BYTES,
    collector_max_events: env.CARRELLO_COLLECTOR_MAX_EVENTS,
    sql_timeout_ms: env.CARRELLO_SQL_TIMEOUT_MS,
    sql_max_rows: env.CARRELLO_SQL_MAX_ROWS,
    sql_max_result_bytes: env.CARRELLO_SQL_MAX_RESULT_BYTES,
    sql_max_memory_bytes: env.CARRELLO_SQL_MAX_MEMORY_BYTES,
    sql_max_concurrent: env.CARRELLO_SQL_MAX_CONCURRENT,
    export_max_rows: env.CARRELLO_EXPORT_MAX_ROWS,
    export_max_concurrent: env.CARRELLO_EXPORT_MAX_CONCURRENT,
    export_max_per_key: env.CARRELLO_EXPORT_MAX_PER_KEY,
    export_deadline_ms: env.CARRELLO_EXPORT_DEADLINE_MS,
    api_keys: env.CARRELLO_API_KEYS ?? (env.CARRELLO_API_KEYS_FILE ? readKeyFile(env.CARRELLO_API_KEYS_FILE) : undefined),
    collector_rate_limit: env.CARRELLO_COLLECTOR_RATE_LIMIT,
    cors_origins: env.CARRELLO_CORS_ORIGINS,
    public_origins: env.CARRELLO_PUBLIC_ORIGINS ?? env.CARRELLO_CORS_ORIGINS,
    public_rate_limit: env.CARRELLO_PUBLIC_RATE_LIMIT,
    public_rate_limit_per_address: env.CARRELLO_PUBLIC_RATE_LIMIT_PER_ADDRESS,
    shopify_secret: emptyToUndefined(env.CARRELLO_SHOPIFY_SECRET),
    shopify_currency: emptyToUndefined(env.CARRELLO_SHOPIFY_CURRENCY),
    kafka_brokers: flags.brokers ?? env.KAFKA_BROKERS,
    kafka_client_id: env.CARRELLO_KAFKA_CLIENT_ID,
    kafka_topic: flags.topic ?? env.CARRELLO_KAFKA_TOPIC,
    kafka_dlq_topic: env.CARRELLO_KAFKA_DLQ_TOPIC,
    kafka_partitions: env.CARRELLO_KAFKA_PARTITIONS,
    kafka_replication_factor: env.CARRELLO_KAFKA_REPLICATION_FACTOR,
    kafka_max_message_bytes: env.CARRELLO_KAFKA_MAX_MESSAGE_BYTES,
    kafka_group_id: flags.group ?? env.CARRELLO_KAFKA_GROUP_ID,
    kafka_concurrency: env.CARRELLO_KAFKA_CONCURRENCY,
    kafka_session_timeout_ms: env.CARRELLO_KAFKA_SESSION_TIMEOUT_MS,
    kafka_linger_ms: env.CARRELLO_KAFKA_LINGER_MS,
    kafka_producer_max_buffered: env.CARRELLO_KAFKA_PRODUCER_MAX_BUFFERED,
    kafka_delivery_timeout_ms: env.CARRELLO_KAFKA_DELIVERY_TIMEOUT_MS,
    warehouse_retry_min_ms: env.CARRELLO_WAREHOUSE_RETRY_MIN_MS,
    warehouse_retry_max_ms: env.CARRELLO_WAREHOUSE_RETRY_MAX_MS,
    kafka_lag_interval_ms: env.CARRELLO_KAFKA_LAG_INTERVAL_MS,
    derived_refresh_ms: env.CARRELLO_DERIVED_REFRESH_MS,
    lifecycle_detect_ms: env.CARRELLO_LIFECYCLE_DETECT_MS,
    lifecycle_lateness_ms: env.CARRELLO_LIFECYCLE_LATENESS_MS,
    lifecycle_abandon_after_ms: env.CARRELLO_LIFECYCLE_ABANDON_AFTER_MS,
    lifecycle_recovery_window_ms: env.CARRELLO_LIFECYCLE_RECOVERY_WINDOW_MS,
    lifecycle_topic: env.CARRELLO_LIFECYCLE_TOPIC,
    timezone: env.CARRELLO_TIMEZONE,
    webhooks: env.CARRELLO_WEBHOOKS,
    webhook_timeout_ms: env.CARRELLO_WEBHOOK_TIMEOUT_MS,
    webhook_max_attempts: env.CARRELLO_WEBHOOK_MAX_ATTEMPTS,
    webhook_min_backoff_ms: env.CARRELLO_WEBHOOK_MIN_BACKOFF_MS,
    webhook_max_backoff_ms: env.CARRELLO_WEBHOOK_MAX_BACKOFF_MS,
    webhook_horizon_ms: env.CARRELLO_WEBHOOK_HORIZON_MS,
    worker_port: flags['worker-port'] ?? env.CARRELLO_WORKER_PORT,
    ...failpointInput(emptyToUndefined(env.CARRELLO_FAILPOINT)),
  };
  const parsed = Config.safeParse(input);
  if (!parsed.success) {
    throw new CarrelloError('invalid_config', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  // A public key is in every page of the shop: the only thing that confines it is the origins it is taken from.
  if (parsed.data.api_keys.some((k) => k.role === 'public') && parsed.data.public_origins.length === 0) {
    throw new CarrelloError(
      'invalid_config',
      "public_origins: a public key is configured but no origin may use it; set CARRELLO_PUBLIC_ORIGINS (or CARRELLO_CORS_ORIGINS) to the shop's origins, e.g. https://shop.example",
    );
  }
  return parsed.data;
}

/** CARRELLO_FAILPOINT is a bare name, or `warehouse_down_ms:<n>` which carries its duration. */
function failpointInput(value: string | undefined): { failpoint?: string; warehouse_down_ms?: string } {
  const down = /^warehouse_down_ms:(.*)$/.exec(value ?? '');
  return down ? { warehouse_down_ms: down[1] } : { failpoint: value };
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new CarrelloError('invalid_config', `api_keys: cannot read CARRELLO_API_KEYS_FILE ${path}: ${(err as Error).message}`);
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;
export const isLoopback = (host: string) => LOOPBACK.test(host);

export function apiLimits(c: Config): ApiLimits {
  return {
    sql: {
      timeoutMs: c.sql_timeout_ms,
      maxRows: c.sql_max_rows,
      maxBytes: c.sql_max_result_bytes,
      maxMemoryBytes: c.sql_max_memory_bytes,
      maxConcurrent: c.sql_max_concurrent,
    },
    export: { maxRows: c.export_max_rows, maxConcurrent: c.export_max_concurrent, maxPerKey: c.export_max_per_key, deadlineMs: c.export_deadline_ms },
  };
}
