/**
 * The Grafana dashboard (dashboards/grafana/carrello.json) on the real ClickHouse engine, without Grafana:
 * every panel's SQL, expanded as Grafana and the ClickHouse data source plugin expand it
 * (test/support/grafanaQuery.ts), runs on chdb holding the hand-made shop, and its numbers are the API's
 * for the same window, as_of and abandon_after, to the unit. ClickHouse is chdb in this process, or the
 * server CLICKHOUSE_URL names.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.ts';
import { DASHBOARD_PATH, dashboardText } from '../dashboards/grafana/build.ts';
import type { InboundMessage } from '../ingest/pipeline/message.ts';
import { IngestPipeline } from '../ingest/pipeline/pipeline.ts';
import { AS_OF, at, DAY, HOUR, iso, shopEvents, T0 } from './fixtures/shop.ts';
import { expandPanelSql, type PanelContext } from './support/grafanaQuery.ts';
import { tempClickHouse } from './support/tempClickHouse.ts';
import type { GetAnswer, RemovalRankingAnswer } from '../api/http/answers.ts';

type Row = Record<string, unknown>;
interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  editorType: string;
  queryType: string;
  format: number;
  rawSql: string;
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_PATH, 'utf8')) as {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Row[] };
};
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const sqlOf = (title: string) => {
  const p = panels.find((x) => x.title === title);
  if (!p) throw new Error(`no panel ${title}`);
  return p.targets![0]!.rawSql;
};

// Received 1.5 s after they occurred, so that the ingest panels have minutes to count.
const RECEIVED_AFTER = 1_500;
const REFUSED: [string, number][] = [
  ['{not json', at(3, '12:00:10')],
  [JSON.stringify({ ...shopEvents()[0], event_id: '00000000-0000-4000-8000-00000000ffff', schema_version: 9 }), at(3, '12:00:40')],
  [JSON.stringify({ type: 'cart.item_added', cart_id: 'Z' }), at(5, '07:59:00')],
];

let ch: Awaited<ReturnType<typeof tempClickHouse>>;
let server: Server;
let base: string;

beforeAll(async () => {
  ch = await tempClickHouse('grafana');
  const pipeline = new IngestPipeline(ch.warehouse);
  const messages: InboundMessage[] = [
    ...shopEvents().map((e) => ({
      raw: Buffer.from(JSON.stringify(e)),
      source: 'test',
      sourceRef: null,
      receivedAtMs: Date.parse(e.occurred_at) + RECEIVED_AFTER,
    })),
    ...REFUSED.map(([text, when], i) => ({ raw: Buffer.from(text), source: 'test', sourceRef: `request#${i}`, receivedAtMs: when })),
  ];
  await pipeline.ingest(messages);
  await pipeline.close();
  const app = createApp({
    warehouse: ch.warehouse,
    pipeline: new IngestPipeline(ch.warehouse),
    log: pino({ level: 'silent' }),
    collector: { maxBodyBytes: 1 << 20, maxEvents: 1000 },
    stopping: () => false,
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await ch?.cleanup();
});

async function api<T>(path: string): Promise<T> {
  const res = await fetch(base + path);
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}

/** A panel's rows as ClickHouse answers its expanded SQL, 64-bit integers as numbers. */
async function panel(title: string, ctx: PanelContext): Promise<Row[]> {
  const rows = await ch.warehouse.rows(expandPanelSql(sqlOf(title), ctx));
  return rows.map((r) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^-?\d+$/.test(v) && k !== 'product_id' ? Number(v) : v])),
  );
}

const ALL = { channel: ['app', 'marketplace', 'store', 'web'], currency: ['CHF', 'EUR'] };

interface Window {
  as_of: number | 'now';
  from: number;
  to: number;
  abandon_ms: number;
}
const context = (w: Window, filters: { channel?: string[]; currency?: string[] } = {}): PanelContext => ({
  variables: { as_of: w.as_of === 'now' ? 'now' : iso(w.as_of), abandon_after: String(w.abandon_ms), ...ALL, ...filters },
  from: w.from,
  to: w.to,
  intervalMs: 60_000,
});
const query = (w: Window) => `from=${iso(w.from)}&to=${iso(w.to)}${w.as_of === 'now' ? '' : `&as_of=${iso(w.as_of)}`}&abandon_after=${w.abandon_ms / 1000}`;

const WINDOWS: Window[] = [
  { as_of: AS_OF, from: T0, to: AS_OF, abandon_ms: 24 * HOUR },
  { as_of: at(4, '00:00'), from: at(1, '00:00'), to: at(2, '00:00'), abandon_ms: 24 * HOUR },
  { as_of: AS_OF + DAY, from: T0, to: AS_OF, abandon_ms: 5 * DAY },
  // as_of left at its default: now, on the ClickHouse server and in the API (the shop lies in the past).
  { as_of: 'now', from: T0, to: AS_OF, abandon_ms: 24 * HOUR },
];

describe('the Grafana dashboard', () => {
  it('is a well-formed Grafana dashboard on the ClickHouse data source, written from dashboards/grafana/build.ts', () => {
    expect(readFileSync(DASHBOARD_PATH, 'utf8')).toBe(dashboardText());
    expect(dashboard.uid).toBe('carrello-clickhouse');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(panels.map((p) => p.title)).toEqual([
      'Abandonment funnel',
      'Funnel rates',
      'What became of the carts',
      'Abandoned value per day, per currency (minor units)',
      'Funnel by channel',
      'Removals by product',
      'Quantity changes',
      'Events stored per minute',
      'Refused messages per minute, by reason',
      'Freshness',
      'Dead letters: the latest refused messages',
    ]);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'grafana-clickhouse-datasource', uid: `\${datasource}` });
      expect(p.targets, p.title).toHaveLength(1);
      const t = p.targets![0]!;
      expect(t.datasource, p.title).toEqual(p.datasource);
      expect(t.editorType, p.title).toBe('sql');
      expect(t.rawSql.length, p.title).toBeGreaterThan(0);
      expect([t.queryType, t.format], p.title).toEqual(p.type === 'timeseries' ? ['timeseries', 0] : ['table', 1]);
    }
    // Amounts of different currencies are never added up, also not by stacking their series.
    const value = panels.find((p) => p.title.startsWith('Abandoned value')) as unknown as {
      fieldConfig: { defaults: { custom: { stacking: { mode: string } } } };
    };
    expect(value.fieldConfig.defaults.custom.stacking.mode).toBe('none');
    const vars = Object.fromEntries(dashboard.templating.list.map((v) => [v.name, v]));
    expect(Object.keys(vars)).toEqual(['datasource', 'as_of', 'abandon_after', 'currency', 'channel']);
    expect(vars.datasource).toMatchObject({ type: 'datasource', query: 'grafana-clickhouse-datasource' });
    expect(vars.as_of).toMatchObject({ type: 'textbox', query: 'now', current: { value: 'now' } });
    expect(vars.abandon_after).toMatchObject({ type: 'custom', current: { text: '24h', value: '86400000' } });
    for (const name of ['currency', 'channel'])
      expect(vars[name]).toMatchObject({ type: 'query', multi: true, includeAll: true, query: `SELECT DISTINCT ${name} FROM events ORDER BY ${name}` });
  });

  it('offers the channels and currencies stored as variable values', async () => {
    for (const name of ['currency', 'channel'] as const) {
      const v = dashboard.templating.list.find((x) => x.name === name)!;
      expect((await ch.warehouse.rows(String(v.query))).map((r) => r[name])).toEqual(ALL[name]);
    }
  });

  it.each(WINDOWS.map((w) => [w.as_of === 'now' ? 'now' : iso(w.as_of), w]))('abandonment panels as of %s are the API’s numbers', async (_label, w) => {
    const ctx = context(w);
    const [all, byDay, byChannel] = await Promise.all([
      api<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${query(w)}`),
      api<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${query(w)}&breakdown=day`),
      api<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${query(w)}&breakdown=channel`),
    ]);
    expect(await panel('Abandonment funnel', ctx)).toEqual([
      { started: all.funnel[0]!.carts, checkout_started: all.funnel[1]!.carts, ordered: all.funnel[2]!.carts },
    ]);
    expect(await panel('Funnel rates', ctx)).toEqual([
      {
        checkout_rate: all.funnel[1]!.rate_from_previous,
        order_rate: all.funnel[2]!.rate_from_previous,
        conversion_rate: all.conversion_rate,
        abandonment_rate: all.abandonment_rate,
      },
    ]);
    expect(await panel('What became of the carts', ctx)).toEqual([
      {
        abandoned: all.abandoned.carts,
        abandoned_at_cart: all.abandoned.at_cart,
        abandoned_at_checkout: all.abandoned.at_checkout,
        recovered_carts: all.recovered,
        open: all.open,
        emptied: all.emptied,
      },
    ]);
    expect(await panel('Abandoned value per day, per currency (minor units)', ctx)).toEqual(
      byDay.breakdown_values!.flatMap((d) =>
        d.abandoned.value_by_currency.map((v) => ({ time: `${d.value} 00:00:00`, currency: v.currency, abandoned_value_minor: v.value_minor })),
      ),
    );
    expect(await panel('Funnel by channel', ctx)).toEqual(
      byChannel.breakdown_values!.map((b) => ({
        channel: b.value,
        started: b.funnel[0]!.carts,
        checkout_started: b.funnel[1]!.carts,
        ordered: b.funnel[2]!.carts,
        abandoned: b.abandoned.carts,
        abandonment_rate: b.abandonment_rate,
      })),
    );
    expect(all.funnel[0]!.carts).toBeGreaterThan(0);
  });

  it.each(WINDOWS.map((w) => [w.as_of === 'now' ? 'now' : iso(w.as_of), w]))(
    'removal and quantity panels as of %s are the API’s numbers',
    async (_label, w) => {
      const ctx = context(w);
      const [removal, quantity] = await Promise.all([
        api<RemovalRankingAnswer>(`/v1/funnels/removal?${query(w)}&min_adds=1&limit=1000`),
        api<GetAnswer<'/v1/funnels/quantity'>>(`/v1/funnels/quantity?${query(w)}`),
      ]);
      expect(await panel('Removals by product', ctx)).toEqual(
        removal.products!.map((p) => ({
          product_id: p.key,
          name: p.name,
          category: p.category,
          lines_added: p.lines_added,
          lines_removed: p.lines_removed,
          removal_rate: p.removal_rate,
          removed_before_checkout: p.removed_before_checkout,
          removed_after_checkout: p.removed_after_checkout,
        })),
      );
      const shown = await panel('Quantity changes', ctx);
      const totals = Object.entries(quantity.totals as Record<string, { lines: number; units_delta: number; purchased: number; purchase_rate: number | null }>);
      expect(shown).toEqual(totals.filter(([, t]) => t.lines > 0).map(([direction, t]) => ({ direction, ...t })));
      expect(removal.products!.length).toBeGreaterThan(0);
    },
  );

  it('narrowed to one channel or one currency, gives that channel’s or currency’s numbers', async () => {
    const w = WINDOWS[0]!;
    const [byChannel, all] = await Promise.all([
      api<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${query(w)}&breakdown=channel`),
      api<GetAnswer<'/v1/funnels/abandonment'>>(`/v1/funnels/abandonment?${query(w)}`),
    ]);
    for (const b of byChannel.breakdown_values!) {
      expect(await panel('Abandonment funnel', context(w, { channel: [b.value] }))).toEqual([
        { started: b.funnel[0]!.carts, checkout_started: b.funnel[1]!.carts, ordered: b.funnel[2]!.carts },
      ]);
    }
    const chf = all.abandoned.value_by_currency.find((v) => v.currency === 'CHF')!;
    const days = await panel('Abandoned value per day, per currency (minor units)', context(w, { currency: ['CHF'] }));
    expect(days.map((d) => d.currency)).toEqual(['CHF']);
    expect(days[0]!.abandoned_value_minor).toBe(chf.value_minor);
    expect(chf.value_minor).toBe(3316);
  });

  it('ingest panels count what /v1/stats counts: events per minute, refusals by reason, the dead letters, freshness', async () => {
    const ctx = context(WINDOWS[0]!);
    const stats = await api<GetAnswer<'/v1/stats'>>('/v1/stats');
    const perMinute = await panel('Events stored per minute', ctx);
    const expected = new Map<string, number>();
    for (const e of shopEvents()) {
      const minute = new Date(Math.floor((Date.parse(e.occurred_at) + RECEIVED_AFTER) / 60_000) * 60_000).toISOString().replace('T', ' ').slice(0, 19);
      expected.set(minute, (expected.get(minute) ?? 0) + 1);
    }
    expect(perMinute).toEqual([...expected].sort(([a], [b]) => (a < b ? -1 : 1)).map(([time, n]) => ({ time, events_per_minute: n })));
    expect(perMinute.reduce((s, r) => s + Number(r.events_per_minute), 0)).toBe(stats.events_stored);

    const refused = await panel('Refused messages per minute, by reason', ctx);
    const byReason: Record<string, number> = {};
    for (const r of refused) byReason[String(r.reason)] = (byReason[String(r.reason)] ?? 0) + Number(r.rejected_per_minute);
    expect(byReason).toEqual(stats.rejected_by_reason);
    expect(Object.values(byReason).reduce((a, b) => a + b, 0)).toBe(REFUSED.length);

    const letters = await panel('Dead letters: the latest refused messages', ctx);
    expect(letters.map((l) => [l.received_at, l.source_ref])).toEqual(
      REFUSED.map(([, when], i) => [iso(when).replace('T', ' ').replace('Z', ''), `request#${i}`]).reverse(),
    );
    expect(letters.map((l) => l.payload_start)).toEqual(REFUSED.map(([text]) => text.slice(0, 200)).reverse());

    const before = Date.now();
    const [fresh] = await panel('Freshness', ctx);
    const after = Date.now();
    const last = Date.parse(stats.last_received_at!);
    expect(fresh!.last_received_ms).toBe(last);
    // now() is the ClickHouse server's clock, read between before and after (1 s of leeway for a server's clock).
    expect(fresh!.seconds_since_last_received).toBeGreaterThanOrEqual((before - last) / 1000 - 1);
    expect(fresh!.seconds_since_last_received).toBeLessThanOrEqual((after - last) / 1000 + 1);
  });
});
