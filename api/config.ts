import { z } from 'zod';
import { parseStore, type StoreConfig } from '../sql/open.ts';

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
  batch_max_events: num(5_000),
  batch_max_wait_ms: num(20),
  ingest_max_pending: num(100_000),
  max_event_bytes: num(64 * 1024),
  collector_max_body_bytes: num(1024 * 1024),
  collector_max_events: num(1_000),
});
export type Config = z.infer<typeof Config>;

export class ConfigError extends Error {
  readonly code = 'invalid_config';
}

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
    batch_max_events: env.CARRELLO_BATCH_MAX_EVENTS,
    batch_max_wait_ms: env.CARRELLO_BATCH_MAX_WAIT_MS,
    ingest_max_pending: env.CARRELLO_INGEST_MAX_PENDING,
    max_event_bytes: env.CARRELLO_MAX_EVENT_BYTES,
    collector_max_body_bytes: env.CARRELLO_COLLECTOR_MAX_BODY_BYTES,
    collector_max_events: env.CARRELLO_COLLECTOR_MAX_EVENTS,
  };
  const parsed = Config.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  }
  return parsed.data;
}
