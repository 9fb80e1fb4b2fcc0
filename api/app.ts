import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { collectorRouter, type CollectorOptions } from '../ingest/collector.ts';
import type { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { Warehouse } from '../sql/warehouse.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from './config.ts';
import { mountRoutes, openApiDocument } from './http/route.ts';
import { problemHandler } from './problem.ts';
import { allRoutes } from './routes/index.ts';

export interface AppDeps {
  warehouse: Warehouse;
  pipeline: IngestPipeline;
  log: Logger;
  collector: CollectorOptions;
  /** Limits of the SQL endpoint and the export (default: the documented defaults of api/config.ts). */
  limits?: ApiLimits;
  /** Reports whether the process is shutting down, so /healthz can say so to load balancers. */
  stopping: () => boolean;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  app.get('/healthz', (_req, res) => {
    const stopping = deps.stopping();
    res.status(stopping ? 503 : 200).json({ status: stopping ? 'stopping' : 'ok', store: deps.warehouse.engine });
  });

  app.use(collectorRouter(deps.pipeline, deps.collector));

  app.get('/v1/stats', async (_req, res) => {
    const stats = await deps.warehouse.stats();
    res.json({ ...stats, ingest: deps.pipeline.totals });
  });

  const routes = allRoutes({ warehouse: deps.warehouse, limits: deps.limits ?? DEFAULT_API_LIMITS });
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
