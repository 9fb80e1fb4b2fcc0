import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { IngestMetrics } from '../ingest/metrics.ts';
import type { ReadModelLag } from '../sql/rows.ts';
import type { Warehouse } from '../sql/warehouse.ts';

/** One registry per process: carrello's series plus the process's own (CPU, memory, event loop), prefixed carrello_. */
export function createMetrics(): IngestMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'carrello_' });
  return new IngestMetrics(registry);
}

/**
 * The read models' lag, read from the store at each scrape (docs/metrics.md): carts whose events are
 * stored but not yet folded, and the age of the oldest. A store that cannot answer leaves the series out
 * of that scrape rather than failing the others.
 */
export function registerReadModelMetrics(registry: Registry, warehouse: Pick<Warehouse, 'readModelLag'>): void {
  const gauge = (name: string, help: string, value: (lag: ReadModelLag) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        try {
          this.set(value(await warehouse.readModelLag()));
        } catch {
          this.reset();
        }
      },
    });
  gauge(
    'carrello_read_model_pending_carts',
    'Carts with stored events not yet folded into the read models (DuckDB: replay_dirty; ClickHouse: cart_dirty marks after the fold watermark).',
    (lag) => lag.pending_carts,
  );
  gauge(
    'carrello_read_model_lag_seconds',
    'Age of the oldest of those carts’ marks, by the store’s clock; 0 when every cart is folded.',
    (lag) => lag.lag_seconds,
  );
}
