// @ts-check
// Cart explorer: a cart's story, event by event, and its status as of any chosen time.
import { getJson } from '../api.js';
import { dateTime, int, money, shortDateTime } from '../fmt.js';
import { card, emptyBox, h, kpi, PALETTE, table } from '../ui.js';

export const controls = ['as_of', 'abandon_after'];

const describe = (e) => {
  switch (e.type) {
    case 'cart.item_added':
      return `+${e.quantity} × ${e.product_id}`;
    case 'cart.item_removed':
      return `removed ${e.product_id}`;
    case 'cart.item_quantity_changed':
      return `${e.product_id}: ${e.from_quantity} → ${e.to_quantity}`;
    default:
      return '';
  }
};

export async function render(root, ctx) {
  const id = (ctx.params.get('id') ?? '').trim();
  const input = h('input', { name: 'cart_id', placeholder: 'cart id', value: id, size: 28, required: true });
  root.append(
    h('h1', {}, 'Cart explorer'),
    h(
      'form',
      {
        class: 'form',
        id: 'cart-form',
        onsubmit: (e) => {
          e.preventDefault();
          ctx.go({ id: input.value.trim(), at: '' });
        },
      },
      h('label', {}, 'Cart id', input),
      h('button', { type: 'submit' }, 'Open'),
    ),
  );
  if (!id) {
    const audience = await getJson('/v1/audiences/abandoned-carts', { ...ctx.common, consent: 'any', limit: 10 }).catch(() => null);
    root.append(emptyBox('Type a cart id above, or pick one.', 'Recently abandoned carts are listed below; the Audiences page links every cart here too.'));
    if (audience?.carts.length)
      root.append(
        card(
          'Some abandoned carts',
          h(
            'p',
            {},
            audience.carts.map((c) => [
              h(
                'a',
                {
                  href: '#',
                  dataset: { cart: c.cart_id },
                  onclick: (e) => {
                    e.preventDefault();
                    ctx.go({ id: c.cart_id });
                  },
                },
                c.cart_id,
              ),
              ' ',
            ]),
          ),
        ),
      );
    return;
  }
  const story = await getJson(`/v1/carts/${encodeURIComponent(id)}/events`, ctx.common);
  if (ctx.stale()) return;
  const c = story.cart;
  const events = story.timeline;
  const at = ctx.params.get('at') || c.as_of;
  const status = at === c.as_of ? c : await getJson(`/v1/carts/${encodeURIComponent(id)}`, { ...ctx.common, as_of: at });
  if (ctx.stale()) return;
  const shown = events.filter((e) => e.occurred_at <= status.as_of).length;
  const slider = h('input', {
    type: 'range',
    name: 'at',
    min: 1,
    max: events.length,
    step: 1,
    value: shown,
    onchange: (e) => {
      const i = Number(e.target.value);
      ctx.go({ at: i >= events.length ? '' : events[i - 1].occurred_at });
    },
  });
  root.append(
    h(
      'p',
      { class: 'sub' },
      `${c.customer_id ? `customer ${c.customer_id}` : `anonymous ${c.anonymous_id ?? ''}`} · ${c.channel}${c.campaign ? ` · campaign ${c.campaign}` : ''} · consent ${c.consent_marketing == null ? 'not given' : c.consent_marketing ? 'yes' : 'no'} · started ${dateTime(c.started_at)}`,
    ),
    card(
      `Status as of ${dateTime(status.as_of)}`,
      h(
        'div',
        { class: 'kpis', id: 'cart-status' },
        kpi('status', 'Status', h('span', { class: `badge ${status.status}` }, status.status), {
          raw: status.status,
          note: status.stage ? `stage: ${status.stage}` : null,
        }),
        kpi('value', 'Value', money(status.value_minor, status.currency), { raw: status.value_minor }),
        kpi('items', 'Lines · units', `${int(status.items)} · ${int(status.units)}`, { raw: `${status.items},${status.units}` }),
        kpi('events', 'Events so far', int(status.events), { raw: status.events, note: status.anomalies ? `${status.anomalies} anomalies` : null }),
      ),
      h('label', { class: 'muted' }, `Move through time (${events.length} events; the end = as of ${shortDateTime(c.as_of)}), or click an event below`, slider),
      status.lines.length
        ? table(
            [
              { key: 'product_name', label: 'product', fmt: (v, l) => `${v ?? ''} (${l.product_id})` },
              { key: 'quantity', label: 'qty', num: true },
              { key: 'unit_price_minor', label: 'unit price', num: true, fmt: (v) => money(v, status.currency) },
              { key: 'value_minor', label: 'value', num: true, fmt: (v) => money(v, status.currency) },
            ],
            status.lines,
            { id: 'cart-lines' },
          )
        : h('p', { class: 'muted' }, 'The cart held nothing then.'),
    ),
  );
  const el = h('div', { class: 'chart small', id: 'cart-chart' });
  root.append(
    h('div', { class: 'grid' }, card('Value after each event', el)),
    card(
      'Timeline',
      table(
        [
          { key: 'position', label: '#', num: true },
          { key: 'occurred_at', label: 'when', fmt: dateTime },
          { key: 'type', label: 'event' },
          { key: 'what', label: 'what', fmt: (_v, e) => `${describe(e)}${e.anomaly ? ' ⚠ anomaly' : ''}` },
          {
            key: 'after',
            label: 'cart after',
            fmt: (a) => h('span', { class: 'lines' }, a.lines.map((l) => `${l.quantity}× ${l.product_name ?? l.product_id}`).join(', ') || 'empty'),
          },
          { key: 'after', label: 'value after', num: true, fmt: (a) => money(a.value_minor, c.currency) },
        ],
        events,
        { id: 'timeline', rowKey: (e) => e.position, onRow: (e) => ctx.go({ at: e.occurred_at }) },
      ),
    ),
  );
  ctx.chart(el, {
    tooltip: { trigger: 'axis', valueFormatter: (v) => money(v, c.currency) },
    grid: { left: 80, right: 20, top: 20, bottom: 30 },
    xAxis: { type: 'time' },
    yAxis: { type: 'value', axisLabel: { formatter: (v) => money(v, c.currency) } },
    series: [
      {
        type: 'line',
        step: 'end',
        data: events.map((e) => [e.occurred_at, e.after.value_minor]),
        itemStyle: { color: PALETTE[0] },
        markLine: at !== c.as_of ? { symbol: 'none', data: [{ xAxis: at }], label: { formatter: 'chosen time' } } : undefined,
      },
    ],
  });
}
