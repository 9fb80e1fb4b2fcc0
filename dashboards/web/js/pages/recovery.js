// @ts-check
// Recovery: what became of the abandoned carts carrello announced (GET /v1/funnels/recovery): abandoned →
// announced → reactivated → recovered, values per currency (never added up), by stage, channel and the
// campaign that brought the customer back, and recovered among announced vs not announced.
import { getJson } from '../api.js';
import { dateTime, int, moneyList, pct, seconds } from '../fmt.js';
import { card, emptyBox, h, kpi, PALETTE, table } from '../ui.js';

export const controls = ['from', 'to', 'as_of'];

const LABELS = { abandoned: 'Abandoned', announced: 'Announced', reactivated: 'Came back', recovered: 'Recovered' };
const duration = (ms) => (ms == null ? '–' : seconds(ms / 1000));
const amounts = (vs) => vs.map((v) => `${v.currency}:${v.value_minor}`).join(',');

export async function render(root, ctx) {
  const r = await getJson('/v1/funnels/recovery', ctx.common);
  if (ctx.stale()) return;
  const [abandoned, announced, reactivated, recovered] = r.steps;
  root.append(
    h('h1', {}, 'Recovery: what became of abandoned carts'),
    h(
      'p',
      { class: 'sub' },
      `Carts abandoned from ${dateTime(r.from)} to ${dateTime(r.to)}, as carrello knew them ${dateTime(r.as_of)}; announced = acknowledged by a webhook endpoint by then.`,
    ),
  );
  // Abandonments after the detection's watermark are not in the log yet: say so when the period reaches past it.
  const end = Math.min(Date.parse(r.to), Date.parse(r.as_of));
  if (r.settled_through === null || Date.parse(r.settled_through) < end) {
    root.append(
      h(
        'div',
        { class: 'msg warn', id: 'unsettled' },
        h('strong', {}, r.settled_through === null ? 'Detection has not run yet.' : `Detected up to ${dateTime(r.settled_through)} only.`),
        h('div', { class: 'muted' }, 'Carts abandoned after that are not counted yet: look again later, with a later “as of”.'),
      ),
    );
  }
  if (abandoned.episodes === 0) {
    root.append(
      emptyBox(
        'No cart was abandoned in this range, as far as carrello knew then.',
        'Widen the date range, move “as of” later, or check that lifecycle detection runs (CARRELLO_LIFECYCLE_DETECT_MS).',
      ),
    );
    return;
  }
  const split = r.announced_vs_not;
  root.append(
    h(
      'div',
      { class: 'kpis' },
      kpi('abandoned', 'Abandoned carts', int(abandoned.episodes), { raw: abandoned.episodes, note: 'abandonment episodes' }),
      kpi('announced', 'Announced', int(announced.episodes), { raw: announced.episodes, note: `${pct(announced.rate_from_abandoned)} of abandoned` }),
      kpi('reactivated', 'Came back', int(reactivated.episodes), { raw: reactivated.episodes, note: `${pct(reactivated.rate_from_abandoned)} of abandoned` }),
      kpi('recovered', 'Recovered', int(recovered.episodes), {
        raw: recovered.episodes,
        note: `${pct(recovered.rate_from_abandoned)} of abandoned · ${int(recovered.via_other_cart)} by another cart`,
      }),
      kpi('abandoned_value', 'Abandoned value', moneyList(abandoned.value_by_currency), { raw: amounts(abandoned.value_by_currency) }),
      kpi('recovered_value', 'Recovered value', moneyList(recovered.value_by_currency), { raw: amounts(recovered.value_by_currency) }),
      kpi('median_ms_since_abandoned', 'Median time to recovery', duration(recovered.median_ms_since_abandoned), {
        raw: recovered.median_ms_since_abandoned ?? '',
      }),
      kpi('recovery_rate_announced', 'Recovered, announced', pct(split.announced.recovery_rate), {
        raw: split.announced.recovery_rate ?? '',
        note: `${int(split.announced.recovered)} of ${int(split.announced.episodes)}`,
      }),
      kpi('recovery_rate_not_announced', 'Recovered, not announced', pct(split.not_announced.recovery_rate), {
        raw: split.not_announced.recovery_rate ?? '',
        note: `${int(split.not_announced.recovered)} of ${int(split.not_announced.episodes)}`,
      }),
    ),
  );

  const funnelEl = h('div', { class: 'chart', id: 'recovery-chart' });
  const groupColumns = (label) => [
    { key: 'value', label },
    { key: 'abandoned', label: 'abandoned', num: true, fmt: int },
    { key: 'announced', label: 'announced', num: true, fmt: int },
    { key: 'reactivated', label: 'came back', num: true, fmt: int },
    { key: 'recovered', label: 'recovered', num: true, fmt: int },
    { key: 'recovery_rate', label: 'recovery rate', num: true, fmt: pct },
    { key: 'abandoned_value_by_currency', label: 'abandoned value', num: true, fmt: moneyList },
    { key: 'recovered_value_by_currency', label: 'recovered value', num: true, fmt: moneyList },
    { key: 'median_ms_since_abandoned', label: 'median time to recovery', num: true, fmt: duration },
  ];
  const announcedRows = [
    ['announced', 'announced'],
    ['not_announced', 'not announced'],
  ].map(([k, label]) => ({ value: label, key: k, ...split[k] }));
  root.append(
    h(
      'div',
      { class: 'grid' },
      card('Abandoned → announced → came back → recovered (each of the abandoned)', funnelEl),
      card(
        'Recovered among announced and not announced',
        table(
          [
            { key: 'value', label: 'abandonments' },
            { key: 'episodes', label: 'abandoned', num: true, fmt: int },
            { key: 'recovered', label: 'recovered', num: true, fmt: int },
            { key: 'recovery_rate', label: 'recovery rate', num: true, fmt: pct },
            { key: 'recovered_value_by_currency', label: 'recovered value', num: true, fmt: moneyList },
          ],
          announcedRows,
          { id: 'recovery-announced', rowKey: (row) => row.key },
        ),
        h(
          'p',
          { class: 'muted' },
          'Not a controlled experiment: the suppression rules (consent, a customer to write to, value, an order already placed, the cap) choose which carts are announced, so the two groups differ before any message is sent. The difference is not what the messages did.',
        ),
      ),
    ),
    card('By stage', table(groupColumns('stage'), r.by_stage, { id: 'recovery-stage', rowKey: (row) => row.value })),
    card('By channel', table(groupColumns('channel'), r.by_channel, { id: 'recovery-channel', rowKey: (row) => row.value })),
    card(
      'By the campaign that brought the customer back (returns only)',
      r.by_campaign.length === 0
        ? emptyBox('No customer came back yet.', 'A campaign shows here once a customer returns to an abandoned cart or orders.')
        : table(
            [
              { key: 'value', label: 'campaign' },
              { key: 'reactivated', label: 'came back', num: true, fmt: int },
              { key: 'announced', label: 'of them announced', num: true, fmt: int },
              { key: 'recovered', label: 'recovered', num: true, fmt: int },
              { key: 'via_other_cart', label: 'by another cart', num: true, fmt: int },
              { key: 'recovered_value_by_currency', label: 'recovered value', num: true, fmt: moneyList },
              { key: 'median_ms_since_abandoned', label: 'median time to recovery', num: true, fmt: duration },
            ],
            r.by_campaign,
            { id: 'recovery-campaign', rowKey: (row) => row.value },
          ),
    ),
  );

  const steps = r.steps.map((s) => ({ name: LABELS[s.step] ?? s.step, ...s }));
  ctx.chart(funnelEl, {
    tooltip: { trigger: 'axis' },
    grid: { left: 100, right: 30, top: 20, bottom: 30 },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: steps.map((s) => s.name) },
    series: [
      {
        type: 'bar',
        data: steps.map((s) => s.episodes),
        itemStyle: { color: PALETTE[0] },
        label: {
          show: true,
          position: 'insideLeft',
          formatter: ({ dataIndex: i }) => (i === 0 ? int(steps[0].episodes) : `${int(steps[i].episodes)}  (${pct(steps[i].rate_from_abandoned)})`),
        },
      },
    ],
  });
}
