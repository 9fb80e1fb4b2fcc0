import type { WriteResult } from '../../sql/rows.ts';
import { isCarrelloError } from '../../errors/carrelloError.ts';
import type { InsertRefused } from '../../sql/insertRefused.ts';
import { rejected, type AcceptedEvent, type RejectedMessage } from './process.ts';

export type EventWrite = (events: readonly AcceptedEvent[]) => Promise<WriteResult>;

export interface Isolated {
  /** Counts of the writes that succeeded, summed. */
  stored: WriteResult;
  /** The events the warehouse refused, each alone, as refused messages with reason `warehouse_rejected`. */
  refused: RejectedMessage[];
}

/**
 * Step 4 when the warehouse refuses a batch for what it holds (insert_refused): the batch is halved
 * and each half written on its own, down to single events, so that the events at fault are found and
 * refused while every other event of the batch is stored. k refused events among n cost about
 * 2·k·log2(n) writes. Any other error (the store unreachable, timeouts, too many parts) propagates
 * untouched: the caller retries the whole batch later, and halves already written are then recognised
 * as duplicates, since the warehouse keeps an event_id once.
 */
export async function writeIsolating(write: EventWrite, events: readonly AcceptedEvent[]): Promise<Isolated> {
  const stored: WriteResult = { inserted: 0, duplicates: 0, rejected: 0 };
  const refused: RejectedMessage[] = [];
  const attempt = async (part: readonly AcceptedEvent[]): Promise<void> => {
    try {
      const r = await write(part);
      stored.inserted += r.inserted;
      stored.duplicates += r.duplicates;
      stored.rejected += r.rejected;
    } catch (err) {
      if (!isCarrelloError(err, 'insert_refused')) throw err;
      if (part.length === 1) {
        refused.push(refusal(part[0]!, err));
        return;
      }
      const half = Math.ceil(part.length / 2);
      await attempt(part.slice(0, half));
      await attempt(part.slice(half));
    }
  };
  if (events.length > 0) await attempt(events);
  return { stored, refused };
}

function refusal(event: AcceptedEvent, err: InsertRefused): RejectedMessage {
  return rejected(event.message, {
    reason: 'warehouse_rejected',
    field: null,
    detail: `the warehouse refused to store this event: ${String(err.details.engine)} ${String(err.details.engine_code)}`,
  });
}
