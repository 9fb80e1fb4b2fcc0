// @ts-check
// Funnel builder: steps, window, order, entity and breakdown, all in the URL so a link reproduces it.
import { postJson } from '../api.js';
import { dateTime, int, pct, seconds } from '../fmt.js';
import { card, emptyBox, h, select, PALETTE, table } from '../ui.js';

export const controls = ['from', 'to', 'as_of'];
export const refresh = false;
const TYPES = ['cart.item_added', 'cart.item_removed', 'cart.item_quantity_changed', 'cart.checkout_started', 'order.placed'];
const DEFAULT_STEPS = 'cart.item_added,cart.checkout_started,order.placed';
const WINDOWS = [
  ['3600', '1 hour'],
  ['86400', '1 day'],
  ['604800', '7 days'],
  ['1209600', '14 days'],
  ['2592000', '30 days'],
];

/** steps in the URL: type[~product_id][~category], comma-separated (`~` and `,` percent-encoded inside). */
export function parseSteps(s) {
  return s
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const [type, product_id, category] = part.split('~').map(decodeURIComponent);
      return { type, ...(product_id ? { product_id } : {}), ...(category ? { category } : {}) };
    });
}
export const formatSteps = (steps) =>
  steps.map((s) => [s.type, s.product_id ?? '', s.category ?? ''].map(encodeURIComponent).join('~').replace(/~+$/, '')).join(',');

export async function render(root, ctx) {
  const p = ctx.params;
  const steps = parseSteps(p.get('steps') || DEFAULT_STEPS);
  const def = {
    window: p.get('window') || '1209600',
    order: p.get('order') || 'ordered',
    entity: p.get('entity') || 'cart',
    breakdown: p.get('breakdown') || '',
  };
  const stepsBox = h('div', { class: 'steps' });
  const addRow = (s = { type: 'cart.item_added' }) => {
    const row = h(
      'div',
      { class: 'step' },
      h('span', { class: 'n' }),
      h(
        'select',
        { name: 'type', 'aria-label': 'event type' },
        TYPES.map((t) => h('option', { value: t, selected: t === s.type }, t)),
      ),
      h('input', { name: 'product_id', placeholder: 'product id (optional)', value: s.product_id ?? '', size: 16 }),
      h('input', { name: 'category', placeholder: 'category (optional)', value: s.category ?? '', size: 16 }),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          title: 'remove this step',
          onclick: () => {
            row.remove();
            number();
          },
        },
        '✕',
      ),
    );
    stepsBox.append(row);
    number();
  };
  const number = () =>
    [...stepsBox.children].forEach((r, i) => {
      r.querySelector('.n').textContent = `${i + 1}.`;
    });
  steps.forEach(addRow);
  const form = h(
    'form',
    {
      class: 'card',
      id: 'funnel-form',
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(form);
        const rows = [...stepsBox.children].map((r) => ({
          type: r.querySelector('[name=type]').value,
          product_id: r.querySelector('[name=product_id]').value.trim() || undefined,
          category: r.querySelector('[name=category]').value.trim() || undefined,
        }));
        ctx.go({ steps: formatSteps(rows), window: f.get('window'), order: f.get('order'), entity: f.get('entity'), breakdown: f.get('breakdown'), run: '1' });
      },
    },
    h('h2', {}, 'Steps'),
    stepsBox,
    h(
      'div',
      { class: 'form' },
      h('button', { type: 'button', class: 'secondary', name: 'add', onclick: () => addRow() }, '+ step'),
      h('label', {}, 'Window', select('window', WINDOWS.some(([v]) => v === def.window) ? WINDOWS : [...WINDOWS, [def.window, `${def.window} s`]], def.window)),
      h(
        'label',
        {},
        'Order',
        select(
          'order',
          [
            ['ordered', 'ordered (others may come between)'],
            ['strict', 'strict (each the very next event)'],
            ['unordered', 'unordered'],
          ],
          def.order,
        ),
      ),
      h(
        'label',
        {},
        'Who',
        select(
          'entity',
          [
            ['cart', 'carts'],
            ['customer', 'customers'],
          ],
          def.entity,
        ),
      ),
      h(
        'label',
        {},
        'Breakdown',
        select(
          'breakdown',
          [
            ['', 'none'],
            ['channel', 'channel'],
            ['campaign', 'campaign'],
            ['currency', 'currency'],
          ],
          def.breakdown,
        ),
      ),
      h('button', { type: 'submit', name: 'run' }, 'Build funnel'),
    ),
  );
  root.append(
    h('h1', {}, 'Funnel builder'),
    h('p', { class: 'sub' }, 'Choose the steps and press “Build funnel”; the address of this page reproduces the funnel.'),
    form,
  );
  if (p.get('run') !== '1') return;

  const body = {
    steps,
    window_seconds: Number(def.window),
    order: def.order,
    entity: def.entity,
    ...ctx.common,
    ...(def.breakdown ? { breakdown: def.breakdown } : {}),
  };
  const answer = await postJson('/v1/funnels', body);
  if (ctx.stale()) return;
  const out = answer.steps;
  root.append(
    h(
      'p',
      { class: 'sub', id: 'funnel-range' },
      `Attempts whose first step falls from ${dateTime(answer.from)} to ${dateTime(answer.to)}, as of ${dateTime(answer.as_of)}${answer.spoiled ? `; ${int(answer.spoiled)} spoiled by exclusions` : ''}.`,
    ),
  );
  if (!out.length || out[0].count === 0) {
    root.append(
      emptyBox('Nobody entered this funnel.', 'Widen the date range, or check the first step: its product id or category must match the events exactly.'),
    );
    return;
  }
  const el = h('div', { class: 'chart', id: 'builder-chart' });
  root.append(
    h('div', { class: 'grid' }, card('Funnel', el)),
    card(
      'Numbers',
      table(
        [
          { key: 'index', label: '#', fmt: (v) => v + 1 },
          { key: 'name', label: 'step' },
          { key: 'count', label: answer.entity === 'customer' ? 'customers' : 'carts', num: true, fmt: int },
          { key: 'conversion_from_previous', label: 'from previous', num: true, fmt: pct },
          { key: 'conversion_from_first', label: 'from first', num: true, fmt: pct },
          { key: 'median_seconds_from_previous', label: 'median time', num: true, fmt: seconds },
        ],
        out,
        { id: 'builder-table', rowKey: (r) => r.index },
      ),
    ),
  );
  const groups = answer.breakdown?.length ? answer.breakdown : [{ value: 'all', steps: out }];
  ctx.chart(el, {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 50, right: 20, top: 40, bottom: 50 },
    xAxis: { type: 'category', data: out.map((s) => `${s.index + 1}. ${s.name}`), axisLabel: { interval: 0, width: 120, overflow: 'break' } },
    yAxis: { type: 'value', minInterval: 1 },
    series: groups.map((g, i) => ({
      name: g.value,
      type: 'bar',
      data: g.steps.map((s) => s.count),
      itemStyle: { color: PALETTE[i % PALETTE.length] },
      label: {
        show: groups.length === 1,
        position: 'top',
        formatter: ({ dataIndex: j }) => `${int(g.steps[j].count)}${j ? ` · ${pct(g.steps[j].conversion_from_previous)}` : ''}`,
      },
    })),
  });
}
