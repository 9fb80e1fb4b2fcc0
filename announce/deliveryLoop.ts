import type { Logger } from 'pino';
import { runPeriodically, type Periodic } from '../sql/periodic.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { deliver, type DeliverySettings, type Endpoint } from './deliver.ts';
import type { Leadership } from './leadership.ts';
import type { LifecycleMetrics } from './metrics.ts';

/**
 * Delivers the announcement log to each endpoint on its own schedule (every `everyMs`, one run at a time
 * per endpoint), so that an endpoint waiting out its backoff holds up neither the others nor detection.
 * stop() ends the runs between attempts, as does the end of this process's term as the store's writer.
 */
export function startDelivery(
  warehouse: Warehouse & NamedWriter,
  endpoints: readonly Endpoint[],
  settings: DeliverySettings,
  everyMs: number,
  leadership: Leadership,
  log: Logger,
  metrics: LifecycleMetrics,
): Periodic {
  const stopping = new AbortController();
  const loops = endpoints.map((endpoint) =>
    runPeriodically(everyMs, async () => {
      if (!leadership.active()) return;
      await deliver(warehouse, endpoint, settings, { signal: AbortSignal.any([stopping.signal, leadership.signal]) }).then(
        (run) => {
          metrics.delivered.inc({ endpoint: endpoint.name }, run.delivered);
          metrics.deadLettered.inc({ endpoint: endpoint.name }, run.deadLettered);
          for (const [reason, n] of Object.entries(run.suppressed)) metrics.suppressed.inc({ endpoint: endpoint.name, reason }, n);
          if (run.deadLettered > 0) log.warn({ endpoint: endpoint.name, dead_lettered: run.deadLettered }, 'lifecycle webhook: announcements dead-lettered');
        },
        (err: unknown) => log.warn({ endpoint: endpoint.name, error: (err as Error).message }, 'lifecycle webhook delivery failed; trying again at the next turn'),
      );
    }),
  );
  return {
    async stop() {
      stopping.abort();
      await Promise.all(loops.map((l) => l.stop()));
    },
  };
}
