import { validExamples } from '../../ingest/contract/examples.ts';
import type { CartEvent } from '../../ingest/contract/events.ts';
import type { InboundMessage } from '../../ingest/pipeline/message.ts';
import { IngestPipeline } from '../../ingest/pipeline/pipeline.ts';
import { DEFAULT_SIMULATION, Simulation } from '../../ingest/simulator/simulation.ts';
import type { Warehouse } from '../../sql/warehouse.ts';

export const RECEIVED_MS = Date.parse('2026-03-05T12:00:00.000Z');

/** Stores the texts as events through the real ingest pipeline; fails the test if any is refused. */
export async function ingestTexts(warehouse: Warehouse, texts: readonly string[], receivedAtMs = RECEIVED_MS): Promise<void> {
  const pipeline = new IngestPipeline(warehouse);
  try {
    const messages: InboundMessage[] = texts.map((t, i) => ({ raw: new TextEncoder().encode(t), source: 'test', sourceRef: `seed#${i}`, receivedAtMs }));
    const result = await pipeline.ingest(messages);
    if (result.rejected.length > 0) throw new Error(`seed events refused: ${JSON.stringify(result.rejected)}`);
  } finally {
    await pipeline.close();
  }
}

/** The contract's valid examples, as shipped (pretty-printed JSON, several lines each). */
export const exampleTexts = (): string[] => validExamples().map((e) => e.text);

/** A minimal valid cart.item_added with the given time and id; compact JSON. */
export function itemAdded(eventId: string, occurredAt: string, over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    event_id: eventId,
    type: 'cart.item_added',
    schema_version: 1,
    occurred_at: occurredAt,
    cart_id: 'cart-b',
    customer_id: null,
    anonymous_id: 'anon-b',
    session_id: null,
    currency: 'EUR',
    channel: 'web',
    item: { product_id: 'P0009', unit_price_minor: 250 },
    quantity: 2,
    ...over,
  });
}

/** Deterministic simulated traffic of [startMs, endMs): valid events only. */
export function simulated(seed: string, startMs: number, endMs: number, cartsPerDay = 400): CartEvent[] {
  const sim = new Simulation(startMs, { ...DEFAULT_SIMULATION, seed, cartsPerDay });
  return [...sim.until(endMs - 1)].map((m) => m.body as CartEvent);
}
