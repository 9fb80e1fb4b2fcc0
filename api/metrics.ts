import { collectDefaultMetrics, Registry } from 'prom-client';
import { IngestMetrics } from '../ingest/metrics.ts';

/** One registry per process: carrello's series plus the process's own (CPU, memory, event loop), prefixed carrello_. */
export function createMetrics(): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'carrello_' });
  return new IngestMetrics(registry);
}
