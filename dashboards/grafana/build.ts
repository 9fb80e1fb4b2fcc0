// `npx tsx dashboards/grafana/build.ts` writes carrello.json, the Grafana dashboard, from the panel
// list below and the SQL in queries/ (one file per panel, kept readable there; the JSON is what operators
// import). test/grafana.int.test.ts holds the JSON equal to this output and runs every query on ClickHouse.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const HERE = import.meta.dirname;
const DS = { type: 'grafana-clickhouse-datasource', uid: `\${datasource}` } as const;

type Viz = 'bargauge' | 'stat' | 'table' | 'timeseries';
interface PanelSpec {
  title: string;
  description: string;
  query: string;
  viz: Viz;
  /** Grafana's unit for every field (percentunit, s, short, ...). */
  unit?: string;
  w: number;
  h: number;
  bars?: boolean;
  overrides?: { field: string; unit: string }[];
}

const ROWS: [string, PanelSpec[]][] = [
  [
    'Abandonment (carts started in the time range, as of $as_of)',
    [
      {
        title: 'Abandonment funnel',
        query: 'funnel',
        viz: 'bargauge',
        w: 8,
        h: 8,
        description:
          'Carts started in the time range (first item added) → started checkout (or ordered) → ordered, as of as_of. Same numbers as GET /v1/funnels/abandonment.',
      },
      {
        title: 'Funnel rates',
        query: 'funnel_rates',
        viz: 'stat',
        unit: 'percentunit',
        w: 8,
        h: 8,
        description: 'checkout ÷ started, ordered ÷ checkout, ordered ÷ started (conversion), abandoned ÷ started (abandonment).',
      },
      {
        title: 'What became of the carts',
        query: 'outcomes',
        viz: 'stat',
        w: 8,
        h: 8,
        description: 'Abandoned (idle for abandon_after while holding items), by stage; recovered (abandoned once, then ordered); open; emptied.',
      },
      // Lines, not bars: Grafana's bars of several series stack (one bar as high as EUR + CHF: a sum across
      // currencies) or overlap; a line per currency adds nothing up.
      {
        title: 'Abandoned value per day, per currency (minor units)',
        query: 'abandoned_value',
        viz: 'timeseries',
        w: 12,
        h: 9,
        description:
          'Σ value of the abandoned carts, in minor units of each currency (1299 = 12.99 EUR), by the UTC day the cart started: a line per currency, never added or stacked across currencies.',
      },
      {
        title: 'Funnel by channel',
        query: 'by_channel',
        viz: 'table',
        w: 12,
        h: 9,
        overrides: [{ field: 'abandonment_rate', unit: 'percentunit' }],
        description: 'The funnel per channel of the cart (its first event). Same numbers as breakdown=channel.',
      },
    ],
  ],
  [
    'Removals and quantity changes (cart lines first added in the time range)',
    [
      {
        title: 'Removals by product',
        query: 'removals',
        viz: 'table',
        w: 14,
        h: 10,
        overrides: [{ field: 'removal_rate', unit: 'percentunit' }],
        description:
          'Per product: lines added, lines removed at least once, removal rate (with the counts, so that 1 of 1 is not over-read), before / after checkout. Same numbers as GET /v1/funnels/removal.',
      },
      {
        title: 'Quantity changes',
        query: 'quantity',
        viz: 'table',
        w: 10,
        h: 10,
        overrides: [{ field: 'purchase_rate', unit: 'percentunit' }],
        description:
          'Lines by net quantity change (final against first added): increased, decreased, unchanged, removed; units delta and how many were bought. Same numbers as GET /v1/funnels/quantity.',
      },
    ],
  ],
  [
    'Ingest health',
    [
      {
        title: 'Events stored per minute',
        query: 'ingest_rate',
        viz: 'timeseries',
        w: 9,
        h: 8,
        description: 'Events stored, once each, by when carrello received them; averaged per minute over each interval.',
      },
      {
        title: 'Refused messages per minute, by reason',
        query: 'rejected_rate',
        viz: 'timeseries',
        bars: true,
        w: 9,
        h: 8,
        description: 'Messages refused by validation and kept in rejected_events, by stable reason (the metric label and dead-letter header).',
      },
      {
        title: 'Freshness',
        query: 'freshness',
        viz: 'stat',
        unit: 's',
        w: 6,
        h: 8,
        overrides: [{ field: 'last_received_ms', unit: 'dateTimeAsIso' }],
        description: 'Seconds since the last event was received (and since the last event occurred), by the ClickHouse server’s clock.',
      },
      {
        title: 'Dead letters: the latest refused messages',
        query: 'dead_letters',
        viz: 'table',
        w: 24,
        h: 8,
        description:
          'The latest 100 refused messages kept in rejected_events. In Kafka mode refused messages go to the dead-letter topic instead; see docs/grafana.md.',
      },
    ],
  ],
];

function fieldConfig(p: PanelSpec) {
  return {
    defaults: {
      ...(p.unit ? { unit: p.unit } : {}),
      ...(p.viz === 'timeseries'
        ? {
            custom: {
              drawStyle: p.bars ? 'bars' : 'line',
              fillOpacity: p.bars ? 80 : 10,
              stacking: { mode: p.bars ? 'normal' : 'none', group: 'A' },
              spanNulls: false,
            },
          }
        : {}),
    },
    overrides: (p.overrides ?? []).map((o) => ({ matcher: { id: 'byName', options: o.field }, properties: [{ id: 'unit', value: o.unit }] })),
  };
}

function options(viz: Viz) {
  const reduce = { calcs: ['lastNotNull'], fields: '', values: false };
  if (viz === 'bargauge') return { orientation: 'horizontal', displayMode: 'gradient', showUnfilled: true, reduceOptions: reduce };
  if (viz === 'stat') return { colorMode: 'none', graphMode: 'none', textMode: 'value_and_name', justifyMode: 'auto', reduceOptions: reduce };
  if (viz === 'table') return { showHeader: true, cellHeight: 'sm' };
  return { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'none' } };
}

export function buildDashboard() {
  const panels: unknown[] = [];
  let id = 1;
  let y = 0;
  for (const [title, specs] of ROWS) {
    panels.push({ type: 'row', id: id++, title, collapsed: false, gridPos: { h: 1, w: 24, x: 0, y }, panels: [] });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of specs) {
      if (x + p.w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      const timeseries = p.viz === 'timeseries';
      panels.push({
        type: p.viz,
        id: id++,
        title: p.title,
        description: p.description,
        datasource: DS,
        gridPos: { h: p.h, w: p.w, x, y },
        fieldConfig: fieldConfig(p),
        options: options(p.viz),
        targets: [
          {
            refId: 'A',
            datasource: DS,
            editorType: 'sql',
            queryType: timeseries ? 'timeseries' : 'table',
            format: timeseries ? 0 : 1,
            rawSql: readFileSync(join(HERE, 'queries', `${p.query}.sql`), 'utf8').trim(),
          },
        ],
      });
      x += p.w;
      rowHeight = Math.max(rowHeight, p.h);
    }
    y += rowHeight;
  }
  const fromEvents = (name: string, label: string) => ({
    type: 'query',
    name,
    label,
    datasource: DS,
    query: `SELECT DISTINCT ${name} FROM events ORDER BY ${name}`,
    definition: `SELECT DISTINCT ${name} FROM events ORDER BY ${name}`,
    refresh: 1,
    multi: true,
    includeAll: true,
    current: { text: ['All'], value: ['$__all'] },
    sort: 0,
    hide: 0,
  });
  const abandonOptions: [string, number][] = [
    ['30m', 1_800_000],
    ['1h', 3_600_000],
    ['6h', 21_600_000],
    ['24h', 86_400_000],
    ['2d', 172_800_000],
    ['7d', 604_800_000],
  ];
  return {
    uid: 'carrello-clickhouse',
    title: 'carrello: carts on ClickHouse',
    description:
      'Abandonment, removals, quantity changes and ingest health over carrello’s ClickHouse tables, with the numbers of carrello’s API. See docs/grafana.md.',
    tags: ['carrello', 'clickhouse'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    timezone: 'utc',
    graphTooltip: 1,
    time: { from: 'now-30d', to: 'now' },
    refresh: '',
    __requires: [
      { type: 'grafana', id: 'grafana', name: 'Grafana', version: '10.4.0' },
      { type: 'datasource', id: 'grafana-clickhouse-datasource', name: 'ClickHouse', version: '4.0.0' },
    ],
    annotations: { list: [] },
    links: [],
    templating: {
      list: [
        { type: 'datasource', name: 'datasource', label: 'ClickHouse', query: 'grafana-clickhouse-datasource', current: {}, refresh: 1, hide: 0, regex: '' },
        { type: 'textbox', name: 'as_of', label: 'as of (now, or ISO-8601 UTC)', query: 'now', current: { text: 'now', value: 'now' }, hide: 0 },
        {
          type: 'custom',
          name: 'abandon_after',
          label: 'abandon after',
          hide: 0,
          multi: false,
          includeAll: false,
          query: abandonOptions.map(([t, v]) => `${t} : ${v}`).join(','),
          current: { text: '24h', value: '86400000' },
          options: abandonOptions.map(([t, v]) => ({ text: t, value: String(v), selected: v === 86_400_000 })),
        },
        fromEvents('currency', 'currency'),
        fromEvents('channel', 'channel'),
      ],
    },
    panels,
  };
}

export const DASHBOARD_PATH = join(HERE, 'carrello.json');
export const dashboardText = () => `${JSON.stringify(buildDashboard(), null, 2)}\n`;

if (process.argv[1] && import.meta.filename === process.argv[1]) writeFileSync(DASHBOARD_PATH, dashboardText());
