import type { Logger } from 'pino';
import type { Warehouse } from './warehouse.ts';

/** What a write refused by the failpoint throws: the same shape as a store that cannot be reached. */
export class WarehouseUnavailableError extends Error {
  readonly code = 'warehouse_unavailable';
}

/**
 * Fault injection for the fault suite (CARRELLO_FAILPOINT=warehouse_down_ms:<n>): DuckDB and chdb have no
 * network to cut, so the outage is injected at the adapter boundary. Writes throw for `downMs` from the
 * first write attempt, then pass through; reads are untouched.
 */
export function withWriteOutage(inner: Warehouse, downMs: number, log: Logger): Warehouse {
  let until: number | null = null;
  let announcedEnd = false;
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'writeBatch') {
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return async (...args: Parameters<Warehouse['writeBatch']>) => {
        const now = Date.now();
        if (until === null) {
          until = now + downMs;
          log.warn({ failpoint: 'warehouse_down_ms', down_ms: downMs }, 'failpoint: warehouse down');
        }
        if (now < until) throw new WarehouseUnavailableError(`failpoint: warehouse down for another ${until - now} ms`);
        if (!announcedEnd) {
          announcedEnd = true;
          log.warn({ failpoint: 'warehouse_down_ms' }, 'failpoint: warehouse back');
        }
        return target.writeBatch(...args);
      };
    },
  });
}
