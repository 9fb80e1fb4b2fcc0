import { describe, expect, it } from 'vitest';
import { toRow } from '../ingest/pipeline/toRow.ts';
import { cartLifecycle } from '../projections/lifecycle.ts';
import { replayOrder } from '../projections/replay.ts';
import { AS_OF, DAY, shopCarts } from '../test/fixtures/shop.ts';
import { wireOf } from './wire.ts';

const lifecycle = (k: string) => {
  const c = shopCarts()[k]!;
  return cartLifecycle(k, replayOrder(c.events.map((e) => toRow(e, '', 'test', 0))), AS_OF, { abandonAfterMs: DAY });
};

describe('announcements on the wire', () => {
  it('give every instant as ISO-8601 UTC with milliseconds, under its name without _ms, at every depth', () => {
    const b = wireOf(lifecycle('B')[0]!);
    expect(b).toMatchObject({ at: '2026-03-03T12:30:00.000Z', last_activity_at: '2026-03-02T12:30:00.000Z', first_added_at: '2026-03-02T12:00:00.000Z' });
    expect(b.removed).toEqual([
      { product_id: 'P3', product_name: 'Wall Paint', unit_price_minor: 2599, quantity: 2, removed_at: '2026-03-02T12:10:00.000Z', after_checkout: false },
    ]);
    expect(Object.keys(b).filter((k) => k.endsWith('_ms'))).toEqual([]);
  });

  it('keep durations in milliseconds', () => {
    const recovered = wireOf(lifecycle('D')[2]!);
    expect(recovered).toMatchObject({ kind: 'cart.recovered', at: '2026-03-07T08:20:00.000Z', ms_since_abandoned: 3 * DAY + 20 * 60_000, total_minor: 12999 });
  });
});
