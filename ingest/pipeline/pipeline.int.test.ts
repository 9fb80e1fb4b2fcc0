import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DuckDbWarehouse } from '../../sql/duckdb/adapter.ts';
import { withRefusedEvents } from '../../sql/failingWarehouse.ts';
import { tempDuckDb } from '../../test/support/tempStore.ts';
import { invalidExamples, validExamples } from '../contract/examples.ts';
import type { InboundMessage } from './message.ts';
import { IngestPipeline } from './pipeline.ts';

const RECEIVED = Date.parse('2026-03-05T12:00:00.000Z');
const msg = (text: string | Uint8Array, ref = 'test'): InboundMessage => ({
  raw: typeof text === 'string' ? new TextEncoder().encode(text) : text,
  source: 'test',
  sourceRef: ref,
  receivedAtMs: RECEIVED,
});
const example = (name: string) => validExamples().find((e) => e.name === name)!.text;

describe('ingest pipeline → DuckDB', () => {
  let store: Awaited<ReturnType<typeof tempDuckDb>>;
  let warehouse: DuckDbWarehouse;
  let pipeline: IngestPipeline;

  beforeEach(async () => {
    store = await tempDuckDb();
    warehouse = store.warehouse;
    pipeline = new IngestPipeline(warehouse);
  });
  afterEach(async () => {
    await pipeline.close();
    await store.cleanup();
  });

  const columns = `event_id::VARCHAR AS event_id, type, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%gZ') AS occurred_at,
    sequence, cart_id, customer_id, anonymous_id, session_id, currency, channel, campaign_source, campaign_medium,
    campaign_name, consent_marketing, product_id, sku, product_name, category, brand, unit_price_minor, quantity,
    from_quantity, to_quantity, cart_value_minor, order_id, total_minor, to_json(order_items)::VARCHAR AS order_items`;

  it('stores every valid example with the right typed values', async () => {
    const examples = validExamples();
    const result = await pipeline.ingest(examples.map((e) => msg(e.text)));
    expect(result).toEqual({ accepted: examples.length, rejected: [] });

    const rows = await warehouse.all(`SELECT ${columns} FROM events ORDER BY event_id`);
    expect(rows).toHaveLength(examples.length);
    const byId = new Map(rows.map((r) => [r.event_id, r]));
    expect(byId.get('1b4e28ba-2fa1-41d2-883f-0016d3cca427')).toEqual({
      event_id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427',
      type: 'cart.item_added',
      occurred_at: '2026-03-02T09:15:00.123Z',
      sequence: '0',
      cart_id: 'cart-1001',
      customer_id: 'cust-000042',
      anonymous_id: 'anon-7f3a',
      session_id: 'sess-1',
      currency: 'EUR',
      channel: 'web',
      campaign_source: 'newsletter',
      campaign_medium: 'email',
      campaign_name: 'weekly-deals',
      consent_marketing: true,
      product_id: 'P0001',
      sku: 'POW-0001-123',
      product_name: 'Bosch Cordless Drill 18V',
      category: 'power-tools',
      brand: 'Bosch',
      unit_price_minor: '12999',
      quantity: 1,
      from_quantity: null,
      to_quantity: null,
      cart_value_minor: null,
      order_id: null,
      total_minor: null,
      order_items: null,
    });
    expect(byId.get('6f1c1c1e-7d51-4d5b-9c4e-0d2b1a7c9e10')).toMatchObject({
      type: 'cart.item_added',
      sequence: null,
      customer_id: null,
      anonymous_id: 'anon-99',
      session_id: null,
      currency: 'CHF',
      channel: 'app',
      campaign_source: null,
      consent_marketing: null,
      product_id: 'P0003',
      sku: null,
      category: null,
      unit_price_minor: '475',
      quantity: 3,
    });
    expect(byId.get('3d6a4adc-4bc3-43f4-8a5b-2238f5eec649')).toMatchObject({
      type: 'cart.item_quantity_changed',
      quantity: null,
      from_quantity: 4,
      to_quantity: 2,
      unit_price_minor: '499',
    });
    // A +01:00 producer time is stored as the same instant in UTC.
    expect(byId.get('4e7b5bed-5cd4-44a5-9b6c-3349a6ffd75a')).toMatchObject({
      type: 'cart.checkout_started',
      occurred_at: '2026-03-02T09:25:00.250Z',
      cart_value_minor: '12999',
      product_id: null,
    });
    expect(byId.get('5f8c6cfe-6de5-45b6-8c7d-445ab7a0e86b')).toMatchObject({
      type: 'order.placed',
      order_id: 'ord-77',
      total_minor: '12999',
      order_items: '[{"product_id":"P0001","quantity":1,"unit_price_minor":12999}]',
    });

    const payloads = await warehouse.all(`SELECT event_id::VARCHAR AS id, payload::VARCHAR AS payload FROM events`);
    for (const p of payloads) {
      expect(payload(examples, p.id as string)).toBe(p.payload);
    }
  });

  it('keeps every invalid example in rejected_events with a reason naming the field', async () => {
    const examples = invalidExamples();
    const result = await pipeline.ingest(examples.map((e, i) => msg(e.text, `test#${i}`)));
    expect(result.accepted).toBe(0);
    expect(result.rejected.map((r) => [r.index, r.reason, r.field])).toEqual(examples.map((e, i) => [i, e.expected.reason, e.expected.field]));

    const rows = await warehouse.all(`SELECT source_ref, reason, field, detail, decode(payload) AS payload FROM rejected_events ORDER BY source_ref`);
    expect(rows).toHaveLength(examples.length);
    for (const [i, e] of examples.entries()) {
      const row = rows.find((r) => r.source_ref === `test#${i}`)!;
      expect([row.reason, row.field]).toEqual([e.expected.reason, e.expected.field]);
      if (e.expected.field) expect(row.detail).toContain(e.expected.field);
      expect(row.payload).toBe(e.text);
    }
    expect(await warehouse.all('SELECT count(*)::INT AS n FROM events')).toEqual([{ n: 0 }]);
  });

  it('stores exactly the right rows from a batch mixing valid, invalid and duplicate events', async () => {
    const added = example('item_added');
    const removed = example('item_removed');
    const broken = invalidExamples().find((e) => e.name === 'float_price')!.text;
    const notUtf8 = Uint8Array.from([0x7b, 0xc3, 0x28, 0x7d]);

    const first = await pipeline.ingest([msg(added), msg(broken), msg(added), msg(removed), msg(notUtf8)]);
    expect(first).toEqual({
      accepted: 3,
      rejected: [
        { index: 1, reason: 'schema_violation', field: 'item.unit_price_minor', detail: expect.stringContaining('item.unit_price_minor') },
        { index: 4, reason: 'invalid_utf8', field: null, detail: 'message is not valid UTF-8' },
      ],
    });
    // The same event redelivered in a later batch, as at-least-once transports do.
    const second = await pipeline.ingest([msg(removed), msg(example('order_placed'))]);
    expect(second).toEqual({ accepted: 2, rejected: [] });

    expect(await warehouse.all('SELECT event_id::VARCHAR AS id, type FROM events ORDER BY occurred_at')).toEqual([
      { id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', type: 'cart.item_added' },
      { id: '2c5f39cb-3ab2-42e3-994a-1127e4ddb538', type: 'cart.item_removed' },
      { id: '5f8c6cfe-6de5-45b6-8c7d-445ab7a0e86b', type: 'order.placed' },
    ]);
    expect(await warehouse.all('SELECT reason, octet_length(payload)::INT AS bytes FROM rejected_events ORDER BY reason')).toEqual([
      { reason: 'invalid_utf8', bytes: 4 },
      { reason: 'schema_violation', bytes: new TextEncoder().encode(broken).length },
    ]);
    expect(pipeline.totals).toMatchObject({ inserted: 3, duplicates: 2, rejected: 2 });
    const stats = await warehouse.stats();
    expect(stats).toMatchObject({ events_stored: 3, events_rejected: 2, carts: 1, rejected_by_reason: { invalid_utf8: 1, schema_violation: 1 } });
  });

  it('refuses an event the warehouse will not insert, keeps it in rejected_events and stores the rest of the batch', async () => {
    // given a store that refuses the item_removed example's insert (injected: no contract-valid event makes
    // DuckDB refuse one; isolate.int.test.ts shows real refusals of rows below the contract)
    const added = example('item_added');
    const removed = example('item_removed');
    const refusing = new IngestPipeline(withRefusedEvents(warehouse, ['2c5f39cb-3ab2-42e3-994a-1127e4ddb538']));
    const broken = invalidExamples().find((e) => e.name === 'float_price')!.text;

    // when a request holds it between a valid event, an invalid one and another valid one
    const result = await refusing.ingest([msg(added), msg(removed, 'request#1'), msg(broken), msg(example('order_placed'))]);
    await refusing.close();

    // then the caller is told which one the warehouse refused and why
    expect(result).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, reason: 'warehouse_rejected', field: null, detail: 'the warehouse refused to store this event: failpoint REFUSED_EVENT' },
        { index: 2, reason: 'schema_violation', field: 'item.unit_price_minor', detail: expect.stringContaining('item.unit_price_minor') },
      ],
    });
    // and the other valid events are stored, both refused messages kept with their bytes and reason
    expect(await warehouse.all('SELECT event_id::VARCHAR AS id FROM events ORDER BY occurred_at')).toEqual([
      { id: '1b4e28ba-2fa1-41d2-883f-0016d3cca427' },
      { id: '5f8c6cfe-6de5-45b6-8c7d-445ab7a0e86b' },
    ]);
    expect(await warehouse.all('SELECT reason, source_ref, decode(payload) AS payload FROM rejected_events ORDER BY reason')).toEqual([
      { reason: 'schema_violation', source_ref: 'test', payload: broken },
      { reason: 'warehouse_rejected', source_ref: 'request#1', payload: removed },
    ]);
    expect(refusing.rejectedByReason).toEqual(
      new Map([
        ['warehouse_rejected', 1],
        ['schema_violation', 1],
      ]),
    );
  });
});

function payload(examples: { text: string }[], id: string): string | undefined {
  return examples.find((e) => e.text.includes(id))?.text;
}
