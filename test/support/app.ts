import type { Server } from 'node:http';
import { pino } from 'pino';
import { createApp } from '../../api/app.ts';
import { KeyRing } from '../../api/auth.ts';
import { apiLimits, parseConfig } from '../../cli/config.ts';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../../sql/warehouse.ts';
import { tempDuckDb } from './tempStore.ts';

/** A store owned by one test: a fresh DuckDB file by default, or tempClickHouse(). */
interface TempStore {
  warehouse: Warehouse & NamedWriter;
  cleanup(): Promise<void>;
}

/**
 * The real app (createApp, default limits, no keys) on a warehouse the caller owns, listening on a free
 * port. stop() closes the server and the pipeline; the caller cleans up its store.
 */
export async function serveApp(warehouse: Warehouse & NamedWriter, over: { timezone?: string } = {}) {
  const pipeline = new IngestPipeline(warehouse);
  const app = createApp({
    warehouse,
    pipeline,
    log: pino({ level: 'silent' }),
    collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 },
    stopping: () => false,
    ...over,
  });
  const { url, close } = await listen(app);
  return {
    url,
    pipeline,
    async stop() {
      await close();
      await pipeline.close();
    },
  };
}

/** Listens on a free loopback port; close() ends open connections too. */
async function listen(app: ReturnType<typeof createApp>) {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The real app (createApp) on a fresh DuckDB file, listening on a free port, with configuration taken
 * from the given environment exactly as `carrello start` parses it.
 */
export async function startApp(env: Record<string, string> = {}) {
  return startAppOn(await tempDuckDb(), env);
}

/** The same on a store the caller opened (tempClickHouse(), say); stop() cleans it up. */
export async function startAppOn<S extends TempStore>(store: S, env: Record<string, string> = {}) {
  const config = parseConfig({}, env);
  const pipeline = new IngestPipeline(store.warehouse);
  const app = createApp({
    warehouse: store.warehouse,
    pipeline,
    log: pino({ level: 'silent' }),
    collector: { maxBodyBytes: config.collector_max_body_bytes, maxEvents: config.collector_max_events },
    limits: apiLimits(config),
    keys: new KeyRing(config.api_keys),
    stopping: () => false,
  });
  const { url, close } = await listen(app);
  return {
    url,
    store,
    warehouse: store.warehouse as S['warehouse'],
    async stop() {
      await close();
      await pipeline.close();
      await store.cleanup();
    },
  };
}
