// @ts-check
// Removals: which products (or categories) leave carts, when, and how fast; click one for its trend.
import { getJson } from '../api.js';
import { dateTime, int, pct, seconds } from '../fmt.js';
import { card, emptyBox, h, kpi, PALETTE, table, tooltipText } from '../ui.js';

export const controls = ['from', 'to', 'as_of', 'abandon_after'];

export async function render(root, ctx) {
  const group = ctx.params.get('group') === 'category' ? 'category' : 'product';
  const minAdds = ctx.params.get('min_adds') || '5';
  const item = ctx.params.get('item');
  // The trend's per-day answer is asked for at once, beside the ranking, rather than after it.
  const days = item
    ? /** @type {Promise<import('../../../../api/http/answers.ts').RemovalByDayAnswer>} */ (
        getJson('/v1/funnels/removal', { ...ctx.common, group, breakdown: 'day', item })
      )
    : null;
  days?.catch(() => {});
  const answer = /** @type {import('../../../../api/http/answers.ts').RemovalRankingAnswer} */ (
    await getJson('/v1/funnels/removal', { ...ctx.common, group, min_adds: minAdds, limit: 50 })
  );
  if (ctx.stale()) return;
  const rows = /** @type {import('../../../../api/http/answers.ts').RemovalGroup[]} */ (answer.products ?? answer.categories ?? []);
  const t = answer.totals;
  root.append(
    h('h1', {}, 'Removals: what leaves the cart'),
    h('p', { class: 'sub' }, `Cart lines first added from ${dateTime(answer.from)} to ${dateTime(answer.to)}, as of ${dateTime(answer.as_of)}.`),
    h(
      'form',
      {
        class: 'form',
        onsubmit: (e) => {
          e.preventDefault();
          const f = new FormData(e.target);
          ctx.go({ group: f.get('group'), min_adds: f.get('min_adds'), item: '' });
        },
      },
      h(
        'label',
        {},
        'Rank',
        h(
          'select',
          { name: 'group' },
          h('option', { value: 'product', selected: group === 'product' }, 'products'),
          h('option', { value: 'category', selected: group === 'category' }, 'categories'),
        ),
      ),
      h('label', {}, 'At least this many lines added', h('input', { name: 'min_adds', type: 'number', min: 1, value: minAdds, size: 4 })),
      h('button', { type: 'submit' }, 'Show'),
    ),
  );
  if (t.lines_added === 0) {
    root.append(emptyBox('No cart line was added in this range.', 'Widen the date range or move “as of” later.'));
    return;
  }
  root.append(
    h(
      'div',
      { class: 'kpis' },
      kpi('lines_added', 'Lines added', int(t.lines_added), { raw: t.lines_added }),
      kpi('lines_removed', 'Lines removed', int(t.lines_removed), { raw: t.lines_removed }),
      kpi('removal_rate', 'Removal rate', pct(t.removal_rate), { raw: t.removal_rate }),
      kpi('removed_before_checkout', 'Before checkout', int(t.removed_before_checkout), { raw: t.removed_before_checkout }),
      kpi('removed_after_checkout', 'After checkout', int(t.removed_after_checkout), { raw: t.removed_after_checkout }),
      kpi('readded', 'Re-added', int(t.readded), { raw: t.readded }),
      kpi('median_seconds_to_removal', 'Median time to removal', seconds(t.median_seconds_to_removal), { raw: t.median_seconds_to_removal }),
    ),
  );
  const rankEl = h('div', { class: 'chart', id: 'rank-chart' });
  const whenEl = h('div', { class: 'chart small', id: 'when-chart' });
  const timeEl = h('div', { class: 'chart small', id: 'ttr-chart' });
  const trend = h('div', { id: 'trend' });
  const label = (r) => (group === 'product' ? (r.name ?? r.key) : r.key);
  const open = (r) => ctx.go({ item: r.key });
  if (rows.length === 0)
    root.append(emptyBox(`No ${group} has ${minAdds} lines added or more.`, 'Lower “at least this many lines added”, or widen the date range.'));
  root.append(
    h(
      'div',
      { class: 'grid' },
      card(`${group === 'product' ? 'Products' : 'Categories'} by removal rate (removed / added) · click one for its trend`, rankEl),
      card(null, h('h2', {}, 'Removed before vs after checkout'), whenEl, h('h2', {}, 'Median time to removal'), timeEl),
    ),
    trend,
    card(
      'Ranking',
      table(
        [
          { key: 'key', label: group, fmt: (v, r) => (group === 'product' ? `${r.name ?? ''} (${v})` : v) },
          ...(group === 'product' ? [{ key: 'category', label: 'category' }] : []),
          { key: 'lines_added', label: 'added', num: true, fmt: int },
          { key: 'lines_removed', label: 'removed', num: true, fmt: int },
          { key: 'removal_rate', label: 'removal rate', num: true, fmt: pct },
          { key: 'removed_before_checkout', label: 'before checkout', num: true, fmt: int },
          { key: 'removed_after_checkout', label: 'after checkout', num: true, fmt: int },
          { key: 'readded', label: 're-added', num: true, fmt: int },
          { key: 'kept_purchased', label: 'kept, bought', num: true, fmt: int },
          { key: 'median_seconds_to_removal', label: 'median time to removal', num: true, fmt: seconds },
        ],
        rows,
        { id: 'removal-table', rowKey: (r) => r.key, onRow: open },
      ),
    ),
  );
  const top = rows.slice(0, 20);
  const rank = ctx.chart(rankEl, {
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (ps) => {
        const r = top[ps[0].dataIndex];
        return tooltipText(label(r), `${int(r.lines_removed)} removed of ${int(r.lines_added)} added: ${pct(r.removal_rate)}`);
      },
    },
    grid: { left: 150, right: 90, top: 10, bottom: 30 },
    xAxis: { type: 'value', max: 1, axisLabel: { formatter: pct } },
    yAxis: { type: 'category', inverse: true, data: top.map(label), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        data: top.map((r) => r.removal_rate),
        itemStyle: { color: PALETTE[1] },
        label: { show: true, position: 'right', formatter: ({ dataIndex: i }) => `${int(top[i].lines_removed)}/${int(top[i].lines_added)}` },
      },
    ],
  });
  rank?.on('click', ({ dataIndex }) => open(top[dataIndex]));
  ctx.chart(whenEl, {
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        label: { formatter: '{b}: {c} ({d}%)' },
        data: [
          { name: 'before checkout', value: t.removed_before_checkout, itemStyle: { color: PALETTE[0] } },
          { name: 'after checkout', value: t.removed_after_checkout, itemStyle: { color: PALETTE[3] } },
        ],
      },
    ],
  });
  const timed = rows.filter((r) => r.median_seconds_to_removal != null).slice(0, 15);
  ctx.chart(timeEl, {
    tooltip: { trigger: 'axis', valueFormatter: seconds },
    grid: { left: 150, right: 30, top: 10, bottom: 30 },
    xAxis: { type: 'log', axisLabel: { formatter: seconds } },
    yAxis: { type: 'category', inverse: true, data: timed.map(label), axisLabel: { width: 140, overflow: 'truncate' } },
    series: [{ type: 'bar', data: timed.map((r) => Math.max(1, r.median_seconds_to_removal ?? 0)), itemStyle: { color: PALETTE[4] } }],
  });
  if (item && days)
    await renderTrend(
      trend,
      ctx,
      await days,
      item,
      rows.find((r) => r.key === item),
    );
}

/**
 * One product's (or category's) lines per UTC day of their first add, from the removal funnel's breakdown=day.
 * @param {HTMLElement} box
 * @param {any} ctx
 * @param {import('../../../../api/http/answers.ts').RemovalByDayAnswer} answer
 * @param {string} key
 * @param {import('../../../../api/http/answers.ts').RemovalGroup | undefined} row
 */
async function renderTrend(box, ctx, answer, key, row) {
  if (ctx.stale()) return;
  const byDay = new Map(answer.days.map((d) => [d.day, d]));
  const points = [];
  for (let t = Math.floor(Date.parse(answer.from) / 86_400_000) * 86_400_000; t < Date.parse(answer.to); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    const d = byDay.get(day);
    points.push({ day, added: d?.lines_added ?? 0, removed: d?.lines_removed ?? 0, rate: d?.removal_rate ?? null });
  }
  const el = h('div', { class: 'chart', id: 'trend-chart' });
  box.append(
    h(
      'div',
      { class: 'grid' },
      card(
        `Trend of ${row?.name ?? key}${row?.category ? ` (${row.category})` : ''}: lines added and removed, removal rate, per UTC day (by when the line was first added)`,
        el,
      ),
    ),
  );
  ctx.chart(el, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 50, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: points.map((p) => p.day) },
    yAxis: [
      { type: 'value', name: 'lines', minInterval: 1 },
      { type: 'value', name: 'rate', max: 1, axisLabel: { formatter: pct } },
    ],
    series: [
      { name: 'added', type: 'bar', data: points.map((p) => p.added), itemStyle: { color: PALETTE[0] } },
      { name: 'removed', type: 'bar', data: points.map((p) => p.removed), itemStyle: { color: PALETTE[1] } },
      {
        name: 'removal rate',
        type: 'line',
        yAxisIndex: 1,
        data: points.map((p) => p.rate),
        itemStyle: { color: PALETTE[3] },
        tooltip: { valueFormatter: pct },
      },
    ],
  });
  box.scrollIntoView?.({ block: 'nearest' });
}
