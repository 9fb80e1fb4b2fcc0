import type { Warehouse } from '../sql/warehouse.ts';
import { deadLetters, deliveredSeq, logHead, type Endpoint } from './deliver.ts';
import { replaysRequested } from './replay.ts';

/** What GET /v1/lifecycle/endpoints and `carrello webhooks status` show of one endpoint: never its URL. */
export interface EndpointStatus {
  name: string;
  kinds: string[] | null;
  /** The seq up to which the log was acknowledged, suppressed or dead-lettered. */
  delivered_seq: number;
  behind: number;
  /** The first 100 dead letters, in seq order. */
  dead_letters: { seq: number; id: string; attempts: number; reason: string }[];
  /** Replays of its dead letters asked for and not taken yet. */
  replays_requested: number;
}

const SHOWN = 100;

export async function deliveryStatus(warehouse: Warehouse, endpoints: readonly Endpoint[]): Promise<EndpointStatus[]> {
  const head = await logHead(warehouse);
  return Promise.all(
    // Names and kinds only: an endpoint's URL may carry a token of the receiver's.
    endpoints.map(async (e) => {
      const [delivered, dead, replays] = await Promise.all([
        deliveredSeq(warehouse, e.name),
        deadLetters(warehouse, e.name),
        replaysRequested(warehouse, e.name),
      ]);
      return {
        name: e.name,
        kinds: e.kinds ?? null,
        delivered_seq: delivered,
        behind: head - delivered,
        dead_letters: dead.slice(0, SHOWN),
        replays_requested: replays,
      };
    }),
  );
}
