// @ts-check
// Quantity changes: lines whose quantity rose, fell or stayed, and how often each group is bought.
import { getJson } from '../api.js';
import { dateTime, int, pct } from '../fmt.js';
import { card, emptyBox, h, kpi, PALETTE, table } from '../ui.js';

export const controls = ['from', 'to', 'as_of', 'abandon_after'];
const GROUPS = ['increased', 'decreased', 'unchanged', 'removed'];

export async function render(root, ctx) {
  const group = ctx.params.get('group') === 'category' ? 'category' : 'product';
  const answer = await getJson('/v1/funnels/quantity', { ...ctx.common, group, limit: 50 });
  if (ctx.stale()) return;
  const rows = answer.products ?? answer.categories ?? [];
  const t = answer.totals;
  const total = GROUPS.reduce((n, g) => n + t[g].lines, 0);
  root.append(
    h('h1', {}, 'Quantity changes: more, fewer, the same, and what gets bought'),
    h(
      'p',
      { class: 'sub' },
      `Cart lines first added from ${dateTime(answer.from)} to ${dateTime(answer.to)}, as of ${dateTime(answer.as_of)}; net change from the first quantity to the quantity held now.`,
    ),
    h(
      'form',
      { class: 'form' },
      h(
        'label',
        {},
        'Per',
        h(
          'select',
          { name: 'group', onchange: (e) => ctx.go({ group: e.target.value }) },
          h('option', { value: 'product', selected: group === 'product' }, 'product'),
          h('option', { value: 'category', selected: group === 'category' }, 'category'),
        ),
      ),
    ),
  );
  if (total === 0) {
    root.append(emptyBox('No cart line was added in this range.', 'Widen the date range or move “as of” later.'));
    return;
  }
  root.append(
    h(
      'div',
      { class: 'kpis' },
      GROUPS.map((g) =>
        kpi(g, `${g} lines`, int(t[g].lines), {
          raw: t[g].lines,
          note: `${pct(t[g].purchase_rate)} bought · units ${t[g].units_delta > 0 ? '+' : ''}${int(t[g].units_delta)}`,
        }),
      ),
    ),
  );
  const el = h('div', { class: 'chart', id: 'quantity-chart' });
  const perEl = h('div', { class: 'chart', id: 'quantity-products-chart' });
  root.append(
    h(
      'div',
      { class: 'grid' },
      card('Lines per group and how many went on to be bought', el),
      card(`Top ${group === 'product' ? 'products' : 'categories'} by lines changed`, perEl),
    ),
    card(
      `What each group goes on to buy, per ${group}`,
      table(
        [
          { key: 'key', label: group, fmt: (v, r) => (r.name ? `${r.name} (${v})` : v) },
          { key: 'lines', label: 'lines', num: true, fmt: int },
          ...GROUPS.flatMap((g) => [
            { key: g, label: g, num: true, fmt: (v) => int(v.lines) },
            { key: g, label: `${g}: bought`, num: true, fmt: (v) => pct(v.purchase_rate) },
          ]),
        ],
        rows,
        { id: 'quantity-table', rowKey: (r) => r.key },
      ),
    ),
  );
  ctx.chart(el, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: GROUPS },
    yAxis: [
      { type: 'value', name: 'lines', minInterval: 1 },
      { type: 'value', name: 'bought', max: 1, axisLabel: { formatter: pct } },
    ],
    series: [
      { name: 'lines', type: 'bar', data: GROUPS.map((g) => t[g].lines), itemStyle: { color: PALETTE[0] } },
      { name: 'bought (lines)', type: 'bar', data: GROUPS.map((g) => t[g].purchased), itemStyle: { color: PALETTE[2] } },
      {
        name: 'purchase rate',
        type: 'line',
        yAxisIndex: 1,
        data: GROUPS.map((g) => t[g].purchase_rate),
        itemStyle: { color: PALETTE[3] },
        tooltip: { valueFormatter: pct },
      },
    ],
  });
  const top = rows.slice(0, 15);
  ctx.chart(perEl, {
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    legend: { top: 0 },
    grid: { left: 140, right: 20, top: 40, bottom: 30 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: top.map((r) => r.name ?? r.key), axisLabel: { width: 130, overflow: 'truncate' } },
    series: ['increased', 'decreased', 'removed'].map((g, i) => ({
      name: g,
      type: 'bar',
      stack: 'n',
      data: top.map((r) => r[g].lines),
      itemStyle: { color: PALETTE[[2, 1, 3][i]] },
    })),
  });
}
