import type { Logger } from 'pino';
import type { Warehouse } from './warehouse.ts';
import { CarrelloError } from '../errors/carrelloError.ts';
import { insertRefused } from './insertRefused.ts';

type WriteBatch = Warehouse['writeBatch'];

/** The warehouse with its writeBatch replaced (given the original); every other member passes through. */
function withWrites(inner: Warehouse, wrap: (write: WriteBatch) => WriteBatch): Warehouse {
  const write = wrap(inner.writeBatch.bind(inner));
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'writeBatch') return write;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Fault injection for the fault suite (CARRELLO_FAILPOINT=warehouse_down_ms:<n>): DuckDB and chdb have no
 * network to cut, so the outage is injected at the adapter boundary. Writes throw for `downMs` from the
 * first write attempt, then pass through; reads are untouched.
 */
export function withWriteOutage(inner: Warehouse, downMs: number, log: Logger): Warehouse {
  let until: number | null = null;
  let announcedEnd = false;
  return withWrites(inner, (write) => async (events, rejected) => {
    const now = Date.now();
    if (until === null) {
      until = now + downMs;
      log.warn({ failpoint: 'warehouse_down_ms', down_ms: downMs }, 'failpoint: warehouse down');
    }
    if (now < until) throw new CarrelloError('warehouse_unavailable', `failpoint: warehouse down for another ${until - now} ms`);
    if (!announcedEnd) {
      announcedEnd = true;
      log.warn({ failpoint: 'warehouse_down_ms' }, 'failpoint: warehouse back');
    }
    return write(events, rejected);
  });
}

/**
 * Fault injection for tests that run a worker in-process: a write whose batch holds one of these event_ids
 * is refused as a store refuses a value its column cannot take (insert_refused), every time. No
 * contract-valid event makes DuckDB or ClickHouse refuse an insert any more (the values found to do so
 * are refused by the contract: see decode.ts and events.ts), so the refusal is injected.
 */
export function withRefusedEvents(inner: Warehouse, eventIds: readonly string[]): Warehouse {
  const refused = new Set(eventIds.map((id) => id.toLowerCase()));
  return withWrites(inner, (write) => async (events, rejected) => {
    if (events.some((e) => refused.has(e.event_id))) {
      throw insertRefused('failpoint', 'REFUSED_EVENT', 'failpoint: the warehouse refuses an event of this batch');
    }
    return write(events, rejected);
  });
}
