import type { Logger } from 'pino';
import { runPeriodically, type Periodic } from './periodic.ts';
import type { Warehouse } from './warehouse.ts';

export type DerivedRefresh = Periodic;

/**
 * Keeps the stored cart model up to date for readers that bypass carrello (Grafana on ClickHouse's
 * cart_folds): refreshDerived() every `everyMs`, one at a time (the next is scheduled when the last ends,
 * so a slow refresh never piles up). A failed refresh is logged and tried again at the next turn; the
 * API's own reads refresh before they answer either way.
 */
export function startDerivedRefresh(warehouse: Warehouse, everyMs: number, log: Logger): DerivedRefresh {
  return runPeriodically(everyMs, () =>
    warehouse
      .refreshDerived()
      .catch((err: unknown) => log.warn({ error: (err as Error).message }, 'refreshing the stored cart model failed; trying again at the next turn')),
  );
}
