import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { dashboardsRouter } from '../dashboards/server.ts';
import { collectorRouter, type CollectorOptions } from '../ingest/collector.ts';
import type { EventIngress } from '../ingest/ingress.ts';
import type { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import type { SnapshotIngest } from '../ingest/snapshots/ingest.ts';
import { shopifyRouter, snapshotsRouter } from '../ingest/snapshots/router.ts';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { authenticate, KeyRing, requireRoles } from './auth.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from './config.ts';
import { mountRoutes, openApiDocument } from './http/route.ts';
import { registerReadModelMetrics } from './metrics.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { ApiError, problemHandler } from './problem.ts';
import type { Endpoint } from '../announce/deliver.ts';
import { allRoutes } from './routes/index.ts';

export interface AppDeps {
  warehouse: Warehouse & NamedWriter;
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
  /** Limits of the SQL endpoint and the export (default: the documented defaults of api/config.ts). */
  limits?: ApiLimits;
  /** The webhook endpoints announcements are delivered to (for their status route). */
  webhooks?: readonly Endpoint[];
  /** API keys; none configured means no authentication (and a loopback-only listener, see start.ts). */
  keys?: KeyRing;
  /** Collector requests per second per API key (or per client address without keys); 0 = unlimited. */
  collectorRateLimit?: number;
  /**
   * Cart snapshots in (POST /v1/cart-snapshots): derived events are written through `pipeline`, to this
   * process's store, in Kafka mode too (a cart's derivation reads what is stored). Absent: not mounted.
   */
  snapshots?: SnapshotIngest;
  /** Shopify's webhooks (POST /v1/shopify/webhooks), with `snapshots`: mounted only with the shop's secret. */
  shopify?: { secret: string; currency: string | null } | null;
  /** Reports whether the process is shutting down, so /healthz can say so to load balancers. */
  stopping: () => boolean;
}

export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders);

  app.get('/healthz', (_req, res) => {
    const stopping = deps.stopping();
    const extra = deps.health?.();
    const ok = !stopping && (extra?.ok ?? true);
    const { ok: _ok, ...fields } = extra ?? { ok: true };
    res.status(ok ? 200 : 503).json({ status: stopping ? 'stopping' : ok ? 'ok' : 'degraded', store: deps.warehouse.engine, ...fields });
  });

  if (deps.metrics) {
    registerReadModelMetrics(deps.metrics, deps.warehouse);
    app.get('/metrics', metricsHandler(deps.metrics));
  }

  // Before the API keys: Shopify signs its webhooks with the shop's secret and sends no key.
  if (deps.snapshots && deps.shopify) app.use(shopifyRouter(deps.snapshots, { ...deps.shopify, maxBodyBytes: deps.collector.maxBodyBytes }));

  app.use('/v1', authenticate(deps.keys ?? new KeyRing([])));
  const perSecond = deps.collectorRateLimit ?? 0;
  // One budget per key for everything sent in: events and cart snapshots.
  const collectorLimit =
    perSecond > 0
      ? [
          rateLimit({
            windowMs: 1_000,
            limit: perSecond,
            standardHeaders: 'draft-8',
            legacyHeaders: false,
            keyGenerator: (req) => req.apiKey?.id ?? ipKeyGenerator(req.ip ?? '0.0.0.0'),
            handler: (_req, res, next) => {
              res.setHeader('Retry-After', '1');
              next(new ApiError(429, 'rate_limited', `more than ${perSecond} requests per second to the collector with this key; slow down and retry`));
            },
          }),
        ]
      : [];
  app.post('/v1/events', requireRoles(['ingest'], 'send events'), ...collectorLimit);
  app.use(collectorRouter(deps.ingress ?? deps.pipeline, deps.collector));
  if (deps.snapshots) {
    app.post('/v1/cart-snapshots', requireRoles(['ingest'], 'send cart snapshots'), ...collectorLimit);
    app.use(snapshotsRouter(deps.snapshots, deps.collector));
  }

  app.get('/v1/stats', requireRoles(['marketing', 'data', 'ingest'], 'read stats'), async (_req, res) => {
    const [stats, readModels] = await Promise.all([deps.warehouse.stats(), deps.warehouse.readModelLag()]);
    res.json({ ...stats, read_models: readModels, ingest: deps.pipeline.totals });
  });

  const routes = allRoutes({ warehouse: deps.warehouse, limits: deps.limits ?? DEFAULT_API_LIMITS, metrics: deps.metrics, webhooks: deps.webhooks ?? [] });
  app.use(mountRoutes(routes));
  const openapi = openApiDocument(routes, { title: 'carrello API', version: '1' });
  app.get(['/openapi.json', '/v1/openapi.json'], (_req, res) => {
    res.json(openapi);
  });
  app.use(dashboardsRouter());

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
