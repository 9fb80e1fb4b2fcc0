import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import type { WorkerHealth } from '../ingest/kafka/health.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { metricsHandler } from './app.ts';
import { sendProblem } from './problem.ts';

/** The HTTP face of a `carrello ingest` worker: /healthz (200 while consuming) and /metrics. */
export function createWorkerApp(deps: { health: WorkerHealth; metrics: Registry }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.status(deps.health.ok ? 200 : 503).json(deps.health.report());
  });
  app.get('/metrics', metricsHandler(deps.metrics));
  app.use((req, res) => {
    sendProblem(res, new CarrelloError('not_found', `no route for ${req.method} ${req.path}`), req.originalUrl);
  });
  return app;
}
