/**
 * The shop's time zone (issue 16): day buckets are local days, 23 and 25 hours long at Europe/Rome's
 * daylight-saving changes, and a day ahead of UTC in a UTC+13 zone; date-only from/to are local midnights,
 * today / yesterday / -Nd are local days counted from as_of; a +05:45 zone's days start on its quarter hour. The same buckets on DuckDB and ClickHouse,
 * through the projections and through the API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { abandonmentFunnel, removalFunnel, type AnalysisWindow } from '../projections/analyses.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { CartBuilder } from './fixtures/shop.ts';
import { serveApp } from './support/app.ts';
import { lifecycleEngines, type LifecycleStore } from './support/lifecycleShop.ts';
import { messagesOf } from './support/traffic.ts';

const at = (iso: string) => Date.parse(iso);
/** Cart starts on each side of the local midnights around the changes (UTC instants; local times in comments). */
const STARTS: [string, string][] = [
  ['R1', '2026-03-28T22:59:59.999Z'], // Rome 03-28 23:59:59.999 CET
  ['R2', '2026-03-28T23:00:00.000Z'], // Rome 03-29 00:00 CET: the first instant of the 23-hour day
  ['R3', '2026-03-29T21:59:59.999Z'], // Rome 03-29 23:59:59.999 CEST: its last
  ['R4', '2026-03-29T22:00:00.000Z'], // Rome 03-30 00:00 CEST
  ['A1', '2026-10-24T21:59:59.999Z'], // Rome 10-24 23:59:59.999 CEST
  ['A2', '2026-10-24T22:00:00.000Z'], // Rome 10-25 00:00 CEST: the first instant of the 25-hour day
  ['A3', '2026-10-25T22:59:59.999Z'], // Rome 10-25 23:59:59.999 CET: its last
  ['A4', '2026-10-25T23:00:00.000Z'], // Rome 10-26 00:00 CET
  ['K1', '2026-01-10T18:14:59.999Z'], // Kathmandu (+05:45) 01-10 23:59:59.999
  ['K2', '2026-01-10T18:15:00.000Z'], // Kathmandu 01-11 00:00: a local day that starts on a quarter hour
];
const AS_OF = at('2026-11-01T00:00:00.000Z');

function events() {
  return STARTS.flatMap(([id, when]) => new CartBuilder({ cart_id: id, customer_id: `c-${id}`, channel: 'web', consent: true }).add(at(when), 'P1', 1).events);
}

const window = (tz: string, from: string, to: string): AnalysisWindow => ({ from: at(from), to: at(to), as_of: AS_OF, abandon_ms: 86_400_000, tz });
const days = async (store: LifecycleStore, w: AnalysisWindow) =>
  ((await abandonmentFunnel(store.warehouse, w, 'day')).json.breakdown_values ?? []).map((d) => [d.value, d.funnel[0]!.carts]);

describe.each(lifecycleEngines('timezone'))('local days on %s', (_engine, open) => {
  let store: LifecycleStore;
  beforeAll(async () => {
    store = await open();
    const pipeline = new IngestPipeline(store.warehouse);
    await pipeline.ingest(messagesOf(events(), AS_OF));
    await pipeline.close();
  }, 120_000);
  afterAll(() => store?.cleanup());

  it("buckets carts by Europe/Rome's local day: 03-29 has 23 hours, 10-25 has 25", async () => {
    const all = window('Europe/Rome', '2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z');
    expect(await days(store, all)).toEqual([
      ['2026-03-28', 1],
      ['2026-03-29', 2],
      ['2026-03-30', 1],
      ['2026-10-24', 1],
      ['2026-10-25', 2],
      ['2026-10-26', 1],
    ]);
    // The same instants by UTC day.
    expect(await days(store, { ...all, tz: 'UTC' })).toEqual([
      ['2026-03-28', 2],
      ['2026-03-29', 2],
      ['2026-10-24', 2],
      ['2026-10-25', 2],
    ]);
  });

  it('puts a UTC+13 zone a day ahead: 11:00 UTC is the next local day', async () => {
    const all = window('Pacific/Tongatapu', '2026-03-01T00:00:00Z', '2026-11-01T00:00:00Z');
    // R1 and R2 are 03-29 11:59:59.999 and 12:00 in Tonga, R3 and R4 03-30 10:59:59.999 and 11:00; and so on.
    expect(await days(store, all)).toEqual([
      ['2026-03-29', 2],
      ['2026-03-30', 2],
      ['2026-10-25', 2],
      ['2026-10-26', 2],
    ]);
  });

  it("names days from the quarter hour in a +05:45 zone: the last millisecond before Kathmandu's midnight and the first after", async () => {
    const january = window('Asia/Kathmandu', '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z');
    expect(await days(store, january)).toEqual([
      ['2026-01-10', 1],
      ['2026-01-11', 1],
    ]);
    expect(await days(store, { ...january, tz: 'UTC' })).toEqual([['2026-01-10', 2]]);
    const { json } = await removalFunnel(store.warehouse, january, { group: 'product', min_adds: 1, limit: 50, breakdown: 'day' });
    expect((json as unknown as { days: { day: string; lines_added: number }[] }).days.map((d) => [d.day, d.lines_added])).toEqual([
      ['2026-01-10', 1],
      ['2026-01-11', 1],
    ]);
  });

  it('gives the removal funnel by local day of the first add, the same way', async () => {
    const { json } = await removalFunnel(store.warehouse, window('Europe/Rome', '2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'), {
      group: 'product',
      min_adds: 1,
      limit: 50,
      breakdown: 'day',
    });
    expect((json as unknown as { days: { day: string; lines_added: number }[] }).days.map((d) => [d.day, d.lines_added])).toEqual([
      ['2026-10-24', 1],
      ['2026-10-25', 2],
      ['2026-10-26', 1],
    ]);
  });

  it('takes date-only from/to as local midnights, and tz from the request or the shop', async () => {
    const served = await serveApp(store.warehouse, { timezone: 'Europe/Rome' });
    try {
      const get = async (q: string) =>
        (await fetch(`${served.url}/v1/funnels/abandonment?${q}`)).json() as Promise<{ from: string; to: string; tz: string; funnel: { carts: number }[] }>;
      // The shop's zone: 10-25 is the 25 hours from 10-24 22:00 UTC.
      const autumn = await get('from=2026-10-25&to=2026-10-26&as_of=2026-11-01T00:00:00Z');
      expect([autumn.from, autumn.to, autumn.tz, autumn.funnel[0]!.carts]).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 'Europe/Rome', 2]);
      const spring = await get('from=2026-03-29&to=2026-03-30&as_of=2026-11-01T00:00:00Z');
      expect([spring.from, spring.to, spring.funnel[0]!.carts]).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z', 2]);
      // Asked in UTC instead: the UTC day.
      const utc = await get('from=2026-10-25&to=2026-10-26&as_of=2026-11-01T00:00:00Z&tz=UTC');
      expect([utc.from, utc.to, utc.tz, utc.funnel[0]!.carts]).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-26T00:00:00.000Z', 'UTC', 2]);
      // Relative days count from as_of's local day: as_of 10-26 12:00 Rome; -1d is 10-25 00:00 Rome, today 10-26 00:00.
      const rel = await get('from=-1d&to=today&as_of=2026-10-26T11:00:00Z');
      expect([rel.from, rel.to, rel.funnel[0]!.carts]).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z', 2]);
      const yesterday = await get('from=yesterday&to=today&as_of=2026-10-26T11:00:00Z');
      expect(yesterday.from).toBe('2026-10-24T22:00:00.000Z');
      // The raw export takes the same forms: Rome's 25-hour 10-25 holds A2's and A3's events.
      const exported = await (await fetch(`${served.url}/v1/export/events?from=2026-10-25&to=2026-10-26`)).text();
      expect(
        exported
          .trim()
          .split('\n')
          .map((l) => (JSON.parse(l) as { cart_id: string }).cart_id),
      ).toEqual(['A2', 'A3']);
      // A cart and the audience take the same forms for as_of: 10-26 is Rome's midnight, 10-25 23:00 UTC.
      const cart = (await (await fetch(`${served.url}/v1/carts/A2?as_of=2026-10-26`)).json()) as { as_of: string };
      expect(cart.as_of).toBe('2026-10-25T23:00:00.000Z');
      const timeline = (await (await fetch(`${served.url}/v1/carts/A2/events?as_of=2026-10-26&tz=UTC`)).json()) as { cart: { as_of: string } };
      expect(timeline.cart.as_of).toBe('2026-10-26T00:00:00.000Z');
      const audience = (await (await fetch(`${served.url}/v1/audiences/abandoned-carts?as_of=2026-10-26&consent=any`)).json()) as {
        as_of: string;
        carts: { cart_id: string }[];
      };
      expect([audience.as_of, audience.carts.map((c) => c.cart_id)]).toEqual(['2026-10-25T23:00:00.000Z', ['A1', 'A2']]);
      // A zone that does not exist, and a date that does not: 400 naming the parameter.
      const bad = await fetch(`${served.url}/v1/funnels/abandonment?tz=Europe/Atlantis`);
      expect([bad.status, JSON.stringify(await bad.json())]).toEqual([400, expect.stringContaining('tz')]);
      const badDate = await fetch(`${served.url}/v1/funnels/abandonment?from=2026-02-30`);
      expect([badDate.status, JSON.stringify(await badDate.json())]).toEqual([400, expect.stringContaining('from')]);
    } finally {
      await served.stop();
    }
  });
});
