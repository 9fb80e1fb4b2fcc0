import type { Logger } from 'pino';
import { runPeriodically, type Periodic } from '../sql/periodic.ts';
import type { NamedWriter, Warehouse } from '../sql/warehouse.ts';
import { deliver, type DeliverySettings, type Endpoint } from './deliver.ts';
import type { Leadership } from './leadership.ts';
import type { LifecycleMetrics } from './metrics.ts';
import { replayDeadLetters } from './replay.ts';

/**
 * Delivers the announcement log to each endpoint on its own schedule (every `everyMs`, one run at a time
 * per endpoint), so that an endpoint waiting out its backoff holds up neither the others nor detection.
 * Each turn first sends the dead letters an operator asked to replay (announce/replay.ts), then the log's
 * new announcements. stop() ends the runs between attempts, as does the end of this process's term as the
 * store's writer.
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
      const labels = { endpoint: endpoint.name };
      const signal = AbortSignal.any([stopping.signal, leadership.signal]);
      // A replay that fails (the store did not answer) holds up nothing: the log's delivery still runs.
      await replayDeadLetters(warehouse, endpoint, settings, { signal }).then(
        (replay) => {
          const outcomes = {
            delivered: replay.delivered,
            dead_lettered: replay.deadLettered,
            suppressed: Object.values(replay.suppressed).reduce((a, n) => a + n, 0),
            not_in_log: replay.notInLog,
          };
          for (const [outcome, n] of Object.entries(outcomes)) if (n > 0) metrics.replayed.inc({ ...labels, outcome }, n);
          if (Object.values(outcomes).some((n) => n > 0)) log.info({ ...labels, ...outcomes }, 'lifecycle webhook: dead letters replayed');
        },
        (err: unknown) => log.warn({ ...labels, error: (err as Error).message }, 'lifecycle webhook replay failed; trying again at the next turn'),
      );
      await deliver(warehouse, endpoint, settings, { signal }).then(
        (run) => {
          metrics.delivered.inc(labels, run.delivered);
          metrics.deadLettered.inc(labels, run.deadLettered);
          for (const [reason, n] of Object.entries(run.suppressed)) metrics.suppressed.inc({ ...labels, reason }, n);
          if (run.deadLettered > 0) log.warn({ ...labels, dead_lettered: run.deadLettered }, 'lifecycle webhook: announcements dead-lettered');
        },
        (err: unknown) => log.warn({ ...labels, error: (err as Error).message }, 'lifecycle webhook delivery failed; trying again at the next turn'),
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
