import { Counter, type Registry } from 'prom-client';

/** What /metrics says of lifecycle delivery, per endpoint (docs/operations.md). */
export interface LifecycleMetrics {
  delivered: Counter<'endpoint'>;
  deadLettered: Counter<'endpoint'>;
  suppressed: Counter<'endpoint' | 'reason'>;
  replayed: Counter<'endpoint' | 'outcome'>;
}

export function lifecycleMetrics(registry: Registry): LifecycleMetrics {
  return {
    delivered: new Counter({
      name: 'carrello_lifecycle_delivered_total',
      help: 'Lifecycle announcements acknowledged by a webhook endpoint',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'carrello_lifecycle_dead_lettered_total',
      help: 'Lifecycle announcements a webhook endpoint did not take after every attempt (kept in lifecycle_dead_letters)',
      labelNames: ['endpoint'],
      registers: [registry],
    }),
    suppressed: new Counter({
      name: 'carrello_lifecycle_suppressed_total',
      help: 'Lifecycle announcements not sent to a webhook endpoint, by reason (no consent, anonymous, ordered since, …)',
      labelNames: ['endpoint', 'reason'],
      registers: [registry],
    }),
    replayed: new Counter({
      name: 'carrello_lifecycle_replayed_total',
      help: 'Dead letters replayed to a webhook endpoint on request, by outcome (delivered, dead_lettered, suppressed, not_in_log)',
      labelNames: ['endpoint', 'outcome'],
      registers: [registry],
    }),
  };
}
