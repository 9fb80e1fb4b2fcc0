import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { collectorRouter, type CollectorOptions } from '../ingest/collector.ts';
import type { EventIngress } from '../ingest/ingress.ts';
import type { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { mountRoutes, openApiDocument } from './http/route.ts';
import { problemHandler } from './problem.ts';
import { allRoutes } from './routes/index.ts';

export interface AppDeps {
  warehouse: Warehouse;
  /** The pipeline writing to `warehouse`; its totals show in /v1/stats. */
  pipeline: IngestPipeline;
  /** Where the collector hands events: the pipeline (default) or, in Kafka mode, the Kafka producer. */
  ingress?: EventIngress;
  /** Served at GET /metrics in Prometheus text format. */
  metrics?: Registry;
  /** Extra /healthz fields (the in-process worker's report in Kafka mode); `ok: false` answers 503. */
  health?: () => { ok: boolean; [k: string]: unknown };
  log: Logger;
  collector: CollectorOptions;
  /** Reports whether the process is shutting down, so /healthz can say so to load balancers. */
  stopping: () => boolean;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    const stopping = deps.stopping();
    const extra = deps.health?.();
    const ok = !stopping && (extra?.ok ?? true);
    const { ok: _ok, ...fields } = extra ?? { ok: true };
    res.status(ok ? 200 : 503).json({ status: stopping ? 'stopping' : ok ? 'ok' : 'degraded', store: deps.warehouse.engine, ...fields });
  });

  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics));

  app.use(collectorRouter(deps.ingress ?? deps.pipeline, deps.collector));

  app.get('/v1/stats', async (_req, res) => {
    const stats = await deps.warehouse.stats();
    res.json({ ...stats, ingest: deps.pipeline.totals });
  });

  const routes = allRoutes({ warehouse: deps.warehouse });
  app.use(mountRoutes(routes));
  const openapi = openApiDocument(routes, { title: 'carrello API', version: '1' });
  app.get(['/openapi.json', '/v1/openapi.json'], (_req, res) => {
    res.json(openapi);
  });

  app.use((req, _res, next) => {
    next(Object.assign(new Error(`no route for ${req.method} ${req.path}`), { status: 404, code: 'not_found' }));
  });
  app.use(problemHandler(deps.log));
  return app;
}

/** GET /metrics: the registry in Prometheus text exposition format. */
export function metricsHandler(registry: Registry) {
  return async (_req: express.Request, res: express.Response): Promise<void> => {
    res.type(registry.contentType).send(await registry.metrics());
  };
}
