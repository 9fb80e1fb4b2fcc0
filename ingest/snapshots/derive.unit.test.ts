import { describe, expect, it } from 'vitest';
import { CartEvent } from '../contract/events.ts';
import { deriveCart } from './derive.ts';
import { CartSnapshot, withId, type KeptSnapshot } from './snapshot.ts';

const DRILL = { product_id: 'P1', quantity: 1, unit_price_minor: 12999, product_name: 'Cordless Drill' };
const SCREWS = { product_id: 'P2', quantity: 2, unit_price_minor: 499 };

function snap(id: string, time: string, lines: object[], extra: object = {}): KeptSnapshot {
  return withId(
    CartSnapshot.parse({ snapshot_id: id, cart_id: 'C1', occurred_at: `2026-03-02T${time}:00.000Z`, currency: 'EUR', channel: 'web', lines, ...extra }),
  );
}

/** What a test reads of an event: its kind, product and quantities. */
const brief = (e: CartEvent) => {
  switch (e.type) {
    case 'cart.item_added':
    case 'cart.item_removed':
      return `${e.occurred_at.slice(11, 16)} ${e.type} ${e.item.product_id} ${e.quantity}`;
    case 'cart.item_quantity_changed':
      return `${e.occurred_at.slice(11, 16)} ${e.type} ${e.item.product_id} ${e.from_quantity}→${e.to_quantity}`;
    case 'cart.checkout_started':
      return `${e.occurred_at.slice(11, 16)} ${e.type} ${e.cart_value_minor}`;
    case 'order.placed':
      return `${e.occurred_at.slice(11, 16)} ${e.type} ${e.order_id} ${e.total_minor}`;
  }
};

describe('deriveCart', () => {
  const s1 = snap('s1', '10:00', [DRILL]);
  const s2 = snap('s2', '10:05', [DRILL, SCREWS]);
  const s3 = snap('s3', '10:10', [{ ...SCREWS, quantity: 5 }]);
  const s4 = snap('s4', '10:20', [{ ...SCREWS, quantity: 5 }], { status: 'checkout' });
  const s5 = snap('s5', '10:25', [{ ...SCREWS, quantity: 5 }], { status: 'ordered', order_id: 'O1' });

  it('diffs each snapshot against the one before: adds, removals, quantity changes, checkout and order', () => {
    const events = deriveCart([s1, s2, s3, s4, s5]);
    expect(events.map(brief)).toEqual([
      '10:00 cart.item_added P1 1',
      '10:05 cart.item_added P2 2',
      '10:10 cart.item_removed P1 1',
      '10:10 cart.item_quantity_changed P2 2→5',
      '10:20 cart.checkout_started 2495',
      '10:25 order.placed O1 2495',
    ]);
    // Every derived event is a valid v1 event, and says where it came from.
    for (const e of events) expect(CartEvent.safeParse(e).success).toBe(true);
    expect(events[2]).toMatchObject({
      item: { product_id: 'P1', name: 'Cordless Drill', unit_price_minor: 12999 },
      derived: { from: 'cart_snapshot', snapshot_id: 's3' },
    });
  });

  it('gives the same events, ids included, whatever order the snapshots come in', () => {
    expect(deriveCart([s5, s3, s1, s4, s2])).toEqual(deriveCart([s1, s2, s3, s4, s5]));
  });

  it('never invents a change: a repeated snapshot, or a price alone changing, gives no event', () => {
    const again = snap('s2b', '10:07', [DRILL, SCREWS]);
    const repriced = snap('s2c', '10:08', [{ ...DRILL, unit_price_minor: 9999 }, SCREWS]);
    expect(deriveCart([s1, s2, again, repriced]).map(brief)).toEqual(['10:00 cart.item_added P1 1', '10:05 cart.item_added P2 2']);
  });

  it('a late snapshot changes the events of its span only: the later diff gets a new id', () => {
    const before = deriveCart([s1, s3]);
    const late = snap('s2', '10:05', [DRILL, SCREWS]);
    const after = deriveCart([s1, s3, late]);
    expect(before.map(brief)).toEqual(['10:00 cart.item_added P1 1', '10:10 cart.item_removed P1 1', '10:10 cart.item_added P2 5']);
    expect(after.map(brief)).toEqual(deriveCart([s1, s2, s3]).map(brief));
    const ids = new Set(after.map((e) => e.event_id));
    // P1 is removed at 10:10 either way, from the same line: the same event, kept; "added 5" is no longer true.
    expect(before.filter((e) => !ids.has(e.event_id)).map(brief)).toEqual(['10:10 cart.item_added P2 5']);
    expect(ids.has(before[0]!.event_id)).toBe(true);
  });

  it('orders the events of one snapshot by their ids: removals, changes, additions, then checkout', () => {
    const mixed = snap(
      'm2',
      '10:05',
      [
        { ...SCREWS, quantity: 3 },
        { product_id: 'P9', quantity: 1, unit_price_minor: 100 },
      ],
      { status: 'checkout' },
    );
    const events = deriveCart([snap('m1', '10:00', [DRILL, SCREWS]), mixed]).slice(2);
    expect([...events].sort((a, b) => (a.event_id < b.event_id ? -1 : 1)).map((e) => e.type)).toEqual([
      'cart.item_removed',
      'cart.item_quantity_changed',
      'cart.item_added',
      'cart.checkout_started',
    ]);
  });
});

describe('CartSnapshot', () => {
  it.each([
    ['a line without a price', { lines: [{ product_id: 'P1', quantity: 1 }] }, 'lines.0.unit_price_minor'],
    ['a price as a decimal', { lines: [{ product_id: 'P1', quantity: 1, unit_price_minor: 12.99 }] }, 'lines.0.unit_price_minor'],
    ['a line of quantity 0', { lines: [{ product_id: 'P1', quantity: 0, unit_price_minor: 1 }] }, 'lines.0.quantity'],
    ['one product in two lines', { lines: [DRILL, DRILL] }, 'lines.1.product_id'],
    ['an order without its id', { lines: [DRILL], status: 'ordered' }, 'order_id'],
    ['an unknown status', { lines: [], status: 'paid' }, 'status'],
    ['no channel', { lines: [], channel: undefined }, 'channel'],
  ])('refuses %s, naming the field', (_name, change, path) => {
    const r = CartSnapshot.safeParse({ cart_id: 'C1', occurred_at: '2026-03-02T10:00:00.000Z', currency: 'EUR', channel: 'web', ...change });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.path.join('.')).toBe(path);
  });

  it('keeps a snapshot without an id by the hash of its content', () => {
    const body = { cart_id: 'C1', occurred_at: '2026-03-02T10:00:00.000Z', currency: 'EUR', channel: 'web', lines: [DRILL] };
    const a = withId(CartSnapshot.parse(body));
    expect(a.snapshot_id).toMatch(/^h:[0-9a-f]{40}$/);
    expect(withId(CartSnapshot.parse({ lines: [DRILL], channel: 'web', currency: 'EUR', occurred_at: body.occurred_at, cart_id: 'C1' })).snapshot_id).toBe(
      a.snapshot_id,
    );
    expect(withId(CartSnapshot.parse({ ...body, lines: [SCREWS] })).snapshot_id).not.toBe(a.snapshot_id);
  });
});
