import express, { type Express } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { dashboardsRouter } from '../dashboards/server.ts';
import { collectorRouter, type CollectorOptions } from '../ingest/collector.ts';
import type { EventIngress } from '../ingest/ingress.ts';
import type { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import type { SnapshotIngest } from '../ingest/snapshots/ingest.ts';
import { shopifyRouter, snapshotsRouter } from '../ingest/snapshots/router.ts';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { authenticate, confinePublicKeys, KeyRing, requireRoles } from './auth.ts';
import { corsForEvents } from './http/cors.ts';
import { sdkRouter } from '../ingest/browser/serve.ts';
import { DEFAULT_API_LIMITS, type ApiLimits } from './limits.ts';
import type { StatsAnswer } from './http/answers.ts';
import { openApiDocument } from './http/openapi.ts';
import { mountRoutes } from './http/route.ts';
import { registerReadModelMetrics } from './metrics.ts';
import { securityHeaders } from './http/securityHeaders.ts';
import { problemHandler } from './problem.ts';
import type { Endpoint } from '../announce/deliver.ts';
import { allRoutes } from './routes/index.ts';
import { OUTSIDE_OPERATIONS } from './routes/outside.ts';
import { CarrelloError } from '../errors/carrelloError.ts';

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
  /** Limits of the SQL endpoint and the export (default: the documented defaults of cli/config.ts). */
  limits?: ApiLimits;
  /** The webhook endpoints announcements are delivered to (for their status route). */
  webhooks?: readonly Endpoint[];
  /** The shop's time zone (CARRELLO_TIMEZONE), default UTC. */
  timezone?: string;
  /** API keys; none configured means no authentication (and a loopback-only listener, see start.ts). */
  keys?: KeyRing;
  /** Collector requests per second per API key (or per client address without keys); 0 = unlimited. */
  collectorRateLimit?: number;
  /** Sending from browsers: CORS origins, the origins of public keys and their rate limits (default: none, no CORS). */
  browser?: BrowserIngest;
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

export interface BrowserIngest {
  corsOrigins: readonly string[];
  publicOrigins: readonly string[];
  /** Requests per second per public key (all addresses together), and per public key and client address. */
  publicRateLimit: number;
  publicRateLimitPerAddress: number;
}

const NO_BROWSER: BrowserIngest = { corsOrigins: [], publicOrigins: [], publicRateLimit: 1_000, publicRateLimitPerAddress: 10 };

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

  const browser = deps.browser ?? NO_BROWSER;
  // Before the API keys: Shopify signs its webhooks with the shop's secret and sends no key.
  if (deps.snapshots && deps.shopify) app.use(shopifyRouter(deps.snapshots, { ...deps.shopify, maxBodyBytes: deps.collector.maxBodyBytes }));
  // The browser SDK, open to every origin like any script a shop may include (it holds no secret).
  app.use(sdkRouter());
  // Before authentication: a preflight carries no key.
  app.use(corsForEvents(browser.corsOrigins));
  app.use('/v1', authenticate(deps.keys ?? new KeyRing([])), confinePublicKeys(browser.publicOrigins));
  const perSecond = deps.collectorRateLimit ?? 0;
  const isPublic = (req: express.Request) => req.apiKey?.role === 'public';
  // One budget per key for everything sent in: events and cart snapshots (a public key has its own, below).
  const collectorLimit =
    perSecond > 0
      ? [
          perSecondLimit(
            perSecond,
            (req) => req.apiKey?.id ?? ipKeyGenerator(req.ip ?? '0.0.0.0'),
            'with this key',
            (req) => isPublic(req),
          ),
        ]
      : [];
  app.post(
    '/v1/events',
    requireRoles(['ingest', 'public'], 'send events'),
    ...collectorLimit,
    // A public key is shared by every visitor of the shop: limited as a whole, and per client address so
    // that one client (or one forging an Origin) cannot spend the shop's whole allowance.
    perSecondLimit(
      browser.publicRateLimit,
      (req) => `public:${req.apiKey!.id}`,
      'with this public key',
      (req) => !isPublic(req),
    ),
    perSecondLimit(
      browser.publicRateLimitPerAddress,
      (req) => `public:${req.apiKey!.id}:${ipKeyGenerator(req.ip ?? '0.0.0.0')}`,
      'with this public key from this address',
      (req) => !isPublic(req),
    ),
  );
  app.use(collectorRouter(deps.ingress ?? deps.pipeline, deps.collector));
  if (deps.snapshots) {
    app.post('/v1/cart-snapshots', requireRoles(['ingest'], 'send cart snapshots'), ...collectorLimit);
    app.use(snapshotsRouter(deps.snapshots, deps.collector));
  }

  app.get('/v1/stats', requireRoles(['marketing', 'data', 'ingest'], 'read stats'), async (_req, res) => {
    const [stats, readModels] = await Promise.all([deps.warehouse.stats(), deps.warehouse.readModelLag()]);
    // The shop's time zone: the dashboards show and take times in it.
    const answer: z.input<typeof StatsAnswer> = { ...stats, timezone: deps.timezone ?? 'UTC', read_models: readModels, ingest: deps.pipeline.totals };
    res.json(answer);
  });

  const routes = allRoutes({
    warehouse: deps.warehouse,
    limits: deps.limits ?? DEFAULT_API_LIMITS,
    metrics: deps.metrics,
    webhooks: deps.webhooks ?? [],
    timezone: deps.timezone ?? 'UTC',
  });
  app.use(mountRoutes(routes));
  const openapi = openApiDocument(routes, OUTSIDE_OPERATIONS, { title: 'carrello API', version: '1' });
  app.get(['/openapi.json', '/v1/openapi.json'], (_req, res) => {
    res.json(openapi);
  });
  app.use(dashboardsRouter());

  app.use((req, _res, next) => {
    next(new CarrelloError('not_found', `no route for ${req.method} ${req.path}`));
  });
  app.use(problemHandler(deps.log));
  return app;
}

/** A limiter of requests per second under `key`; past it 429 rate_limited with Retry-After (errors/codes.ts). */
function perSecondLimit(limit: number, key: (req: express.Request) => string, whose: string, skip: (req: express.Request) => boolean) {
  return rateLimit({
    windowMs: 1_000,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    skip,
    keyGenerator: key,
    handler: (_req, _res, next) => {
      next(new CarrelloError('rate_limited', `more than ${limit} requests per second to the collector ${whose}; slow down and retry`));
    },
  });
}

/** GET /metrics: the registry in Prometheus text exposition format. */
export function metricsHandler(registry: Registry) {
  return async (_req: express.Request, res: express.Response): Promise<void> => {
    res.type(registry.contentType).send(await registry.metrics());
  };
}
