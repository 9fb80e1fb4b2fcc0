import type { Logger } from 'pino';
import type { Warehouse } from './warehouse.ts';

export interface DerivedRefresh {
  /** Stops the schedule; resolves once a refresh under way has finished. */
  stop(): Promise<void>;
}

/**
 * Keeps the stored cart model up to date for readers that bypass carrello (Grafana on ClickHouse's
 * cart_folds): refreshDerived() every `everyMs`, one at a time (the next is scheduled when the last ends,
 * so a slow refresh never piles up). A failed refresh is logged and tried again at the next turn; the
 * API's own reads refresh before they answer either way.
 */
export function startDerivedRefresh(warehouse: Warehouse, everyMs: number, log: Logger): DerivedRefresh {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const turn = () => {
    running = warehouse
      .refreshDerived()
      .catch((err: unknown) => log.warn({ error: (err as Error).message }, 'refreshing the stored cart model failed; trying again at the next turn'))
      .finally(() => {
        if (!stopped) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(turn, everyMs);
    timer.unref();
  };
  if (everyMs > 0) schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
