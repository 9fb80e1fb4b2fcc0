import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { WorkerHealth } from '../ingest/kafka/health.ts';
import { metricsHandler } from './app.ts';

/** The HTTP face of a `carrello ingest` worker: /healthz (200 while consuming) and /metrics. */
export function createWorkerApp(deps: { health: WorkerHealth; metrics: Registry }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.status(deps.health.ok ? 200 : 503).json(deps.health.report());
  });
  app.get('/metrics', metricsHandler(deps.metrics));
  app.use((_req, res) => {
    res.status(404).type('application/problem+json').json({ type: 'https://carrello.dev/problems/not_found', title: 'Not Found', status: 404, code: 'not_found' });
  });
  return app;
}
