// @ts-check
// Overview: where carts are lost. Funnel with drop-off, abandonment over time, and a breakdown.
import { getJson } from '../api.js';
import { dateTime, int, money, moneyList, moneyMajor, pct, toMajor } from '../fmt.js';
import { card, emptyBox, h, kpi, PALETTE, table } from '../ui.js';

export const controls = ['from', 'to', 'as_of', 'abandon_after'];

export async function render(root, ctx) {
  const breakdown = ctx.params.get('breakdown') === 'campaign' ? 'campaign' : 'channel';
  // ?currency=EUR (an ISO 4217 code in the URL): the abandoned value also converted into it, beside the
  // values per currency (never instead), at each day's exchange rate (PUT /v1/exchange-rates).
  const currency = /^[A-Z]{3}$/.test(ctx.params.get('currency') ?? '') ? ctx.params.get('currency') : null;
  const q = { ...ctx.common, ...(currency ? { currency } : {}) };
  // A breakdown's answer carries the totals too: the per-day one gives the key figures, one fold fewer.
  const [byDay, bySplit] = await Promise.all([
    getJson('/v1/funnels/abandonment', { ...q, breakdown: 'day' }),
    getJson('/v1/funnels/abandonment', { ...q, breakdown }),
  ]);
  const all = byDay;
  if (ctx.stale()) return;
  const [started, checkout, ordered] = all.funnel;
  root.append(
    h('h1', {}, 'Overview: where carts are lost'),
    h(
      'p',
      { class: 'sub' },
      `Carts started from ${dateTime(all.from)} to ${dateTime(all.to)}, as of ${dateTime(all.as_of)}; abandoned after ${all.abandon_after_seconds / 3600} h idle.`,
    ),
  );
  if (started.carts === 0) {
    root.append(
      emptyBox(
        'No cart started in this range.',
        'Widen the date range (try “90 d”), move “as of” later, or check that events arrive: the footer shows the events stored.',
      ),
    );
    return;
  }
  root.append(
    h(
      'div',
      { class: 'kpis' },
      kpi('started', 'Carts started', int(started.carts), { raw: started.carts }),
      kpi('checkout_started', 'Checkout started', int(checkout.carts), { raw: checkout.carts, note: `${pct(checkout.rate_from_previous)} of started` }),
      kpi('ordered', 'Ordered', int(ordered.carts), { raw: ordered.carts, note: `${pct(ordered.rate_from_previous)} of checkouts` }),
      kpi('conversion_rate', 'Conversion', pct(all.conversion_rate), { raw: all.conversion_rate }),
      kpi('abandonment_rate', 'Abandonment rate', pct(all.abandonment_rate), { raw: all.abandonment_rate }),
      kpi('abandoned', 'Abandoned carts', int(all.abandoned.carts), {
        raw: all.abandoned.carts,
        note: `${int(all.abandoned.at_cart)} at cart · ${int(all.abandoned.at_checkout)} at checkout`,
      }),
      kpi('abandoned_value', 'Abandoned value', moneyList(all.abandoned.value_by_currency), {
        raw: all.abandoned.value_by_currency.map((v) => `${v.currency}:${v.value_minor}`).join(','),
      }),
      all.abandoned.value_converted ? convertedKpi(all.abandoned.value_converted) : null,
      kpi('recovered', 'Recovered carts', int(all.recovered), { raw: all.recovered, note: 'abandoned once, then ordered' }),
      kpi('open', 'Open · emptied', `${int(all.open)} · ${int(all.emptied)}`, { raw: `${all.open},${all.emptied}` }),
      kpi('anomalies', 'Anomalies', int(all.anomalies), { raw: all.anomalies, note: 'events that did not fit' }),
    ),
  );

  const funnelEl = h('div', { class: 'chart', id: 'funnel-chart' });
  const timeEl = h('div', { class: 'chart', id: 'time-chart' });
  const splitEl = h('div', { class: 'chart', id: 'split-chart' });
  const select = h(
    'select',
    { name: 'breakdown', onchange: (e) => ctx.go({ breakdown: e.target.value }) },
    h('option', { value: 'channel', selected: breakdown === 'channel' }, 'by channel'),
    h('option', { value: 'campaign', selected: breakdown === 'campaign' }, 'by campaign'),
  );
  const splitRows = (bySplit.breakdown_values ?? []).map((b) => ({
    value: b.value,
    started: b.funnel[0].carts,
    checkout_started: b.funnel[1].carts,
    ordered: b.funnel[2].carts,
    conversion_rate: b.conversion_rate,
    abandonment_rate: b.abandonment_rate,
    abandoned: b.abandoned.carts,
    abandoned_value: b.abandoned.value_by_currency,
    recovered: b.recovered,
  }));
  root.append(
    h(
      'div',
      { class: 'grid' },
      card('Abandonment funnel: started → checkout → ordered', funnelEl),
      card('Abandonment rate and abandoned value by day the cart started', timeEl),
    ),
    h(
      'div',
      { class: 'grid' },
      card(
        h('span', {}, 'Breakdown ', select),
        splitEl,
        table(
          [
            { key: 'value', label: breakdown },
            { key: 'started', label: 'started', num: true, fmt: int },
            { key: 'checkout_started', label: 'checkout', num: true, fmt: int },
            { key: 'ordered', label: 'ordered', num: true, fmt: int },
            { key: 'conversion_rate', label: 'conversion', num: true, fmt: pct },
            { key: 'abandonment_rate', label: 'abandonment', num: true, fmt: pct },
            { key: 'abandoned_value', label: 'abandoned value', num: true, fmt: moneyList },
            { key: 'recovered', label: 'recovered', num: true, fmt: int },
          ],
          splitRows,
          { id: 'breakdown-table', rowKey: (r) => r.value },
        ),
      ),
    ),
  );

  const steps = all.funnel.map((s) => ({ name: { started: 'Started', checkout_started: 'Checkout', ordered: 'Ordered' }[s.step] ?? s.step, ...s }));
  ctx.chart(funnelEl, {
    tooltip: { trigger: 'axis' },
    grid: { left: 90, right: 30, top: 20, bottom: 30 },
    xAxis: { type: 'value' },
    yAxis: { type: 'category', inverse: true, data: steps.map((s) => s.name) },
    series: [
      {
        type: 'bar',
        data: steps.map((s) => s.carts),
        itemStyle: { color: PALETTE[0] },
        label: {
          show: true,
          position: 'insideLeft',
          formatter: ({ dataIndex: i }) =>
            i === 0
              ? int(steps[0].carts)
              : `${int(steps[i].carts)}  (−${int(steps[i - 1].carts - steps[i].carts)}, ${pct(1 - (steps[i].rate_from_previous ?? 0))} drop-off)`,
        },
      },
    ],
  });

  const days = byDay.breakdown_values ?? [];
  const currencies = [...new Set(days.flatMap((d) => d.abandoned.value_by_currency.map((v) => v.currency)))];
  ctx.chart(timeEl, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 60, right: 50, top: 40, bottom: 30 },
    xAxis: { type: 'category', data: days.map((d) => d.value) },
    yAxis: [
      { type: 'value', name: 'abandoned value' },
      { type: 'value', name: 'rate', max: 1, axisLabel: { formatter: (v) => pct(v) } },
      { type: 'value', show: false, minInterval: 1 },
    ],
    series: [
      ...currencies.map((cur, i) => ({
        // One bar per currency, side by side: amounts of different currencies are never stacked into one sum.
        name: `abandoned ${cur}`,
        type: 'bar',
        itemStyle: { color: PALETTE[(i + 1) % PALETTE.length] },
        data: days.map((d) => toMajor(d.abandoned.value_by_currency.find((v) => v.currency === cur)?.value_minor ?? 0, cur)),
        tooltip: { valueFormatter: (v) => moneyMajor(v, cur) },
      })),
      {
        name: 'abandonment rate',
        type: 'line',
        yAxisIndex: 1,
        data: days.map((d) => d.abandonment_rate),
        itemStyle: { color: PALETTE[3] },
        tooltip: { valueFormatter: pct },
      },
      {
        name: 'recovered carts',
        type: 'line',
        yAxisIndex: 2,
        data: days.map((d) => d.recovered),
        itemStyle: { color: PALETTE[4] },
        lineStyle: { type: 'dashed' },
      },
    ],
  });

  ctx.chart(splitEl, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 60 },
    xAxis: { type: 'category', data: splitRows.map((r) => r.value), axisLabel: { rotate: splitRows.length > 6 ? 30 : 0 } },
    yAxis: { type: 'value', name: 'carts' },
    series: [
      { name: 'started', type: 'bar', data: splitRows.map((r) => r.started), itemStyle: { color: PALETTE[0] } },
      { name: 'checkout', type: 'bar', data: splitRows.map((r) => r.checkout_started), itemStyle: { color: PALETTE[1] } },
      { name: 'ordered', type: 'bar', data: splitRows.map((r) => r.ordered), itemStyle: { color: PALETTE[2] } },
    ],
  });
}

/** The abandoned value in the reporting currency; what had no exchange rate is named, not hidden. */
function convertedKpi(c) {
  const left = c.unconverted.length ? `without ${moneyList(c.unconverted)} (no rate)` : "at each day's exchange rate";
  return kpi('abandoned_value_converted', `Abandoned value in ${c.currency}`, money(c.value_minor, c.currency), { raw: c.value_minor, note: left });
}
