// @ts-check
// Audiences: abandoned carts to target, by stage, value and consent; count, total value, CSV.
import { download, getJson } from '../api.js';
import { dateTime, int, money, moneyList } from '../fmt.js';
import { card, emptyBox, h, select, kpi, PALETTE, table } from '../ui.js';

export const controls = ['as_of', 'abandon_after'];
const SHOWN = 200;

export async function render(root, ctx) {
  const p = ctx.params;
  const filters = {
    lookback_days: p.get('lookback_days') || '30',
    stage: p.get('stage') || 'any',
    min_value_minor: p.get('min_value_minor') || '0',
    consent: p.get('consent') || 'required',
  };
  const form = h(
    'form',
    {
      class: 'form',
      id: 'audience-form',
      onsubmit: (e) => {
        e.preventDefault();
        const f = new FormData(form);
        ctx.go(Object.fromEntries(['lookback_days', 'stage', 'min_value_minor', 'consent'].map((k) => [k, f.get(k)])));
      },
    },
    h(
      'label',
      {},
      'Abandoned within',
      select(
        'lookback_days',
        [
          ['7', 'the last 7 days'],
          ['30', 'the last 30 days'],
          ['90', 'the last 90 days'],
          ['180', 'the last 180 days'],
          ['400', 'the last 400 days'],
        ],
        filters.lookback_days,
      ),
    ),
    h(
      'label',
      {},
      'Stage',
      select(
        'stage',
        [
          ['any', 'any'],
          ['cart', 'abandoned at cart'],
          ['checkout', 'abandoned at checkout'],
        ],
        filters.stage,
      ),
    ),
    h(
      'label',
      {},
      'Minimum value (minor units: 5000 = 50.00)',
      h('input', { name: 'min_value_minor', type: 'number', min: 0, value: filters.min_value_minor }),
    ),
    h(
      'label',
      {},
      'Consent',
      select(
        'consent',
        [
          ['required', 'marketing consent required'],
          ['any', 'any (not for targeting)'],
        ],
        filters.consent,
      ),
    ),
    h('button', { type: 'submit' }, 'Show'),
  );
  root.append(h('h1', {}, 'Audiences: abandoned carts to win back'), form);
  const query = { ...ctx.common, ...filters };
  const answer = await getJson('/v1/audiences/abandoned-carts', { ...query, limit: SHOWN });
  if (ctx.stale()) return;
  const csvButton = h(
    'button',
    {
      type: 'button',
      name: 'csv',
      onclick: async () => {
        csvButton.disabled = true;
        try {
          await download('/v1/audiences/abandoned-carts', {
            params: { ...query, as_of: answer.as_of, limit: 10_000, format: 'csv' },
            filename: `abandoned-carts-${answer.as_of.slice(0, 19).replace(/:/g, '')}.csv`,
          });
        } catch (err) {
          csvButton.after(h('span', { class: 'muted' }, ` download failed: ${/** @type {Error} */ (err).message}`));
        } finally {
          csvButton.disabled = false;
        }
      },
    },
    'Download CSV',
  );
  root.append(
    h(
      'p',
      { class: 'sub' },
      `As of ${dateTime(answer.as_of)}, abandoned in the last ${answer.lookback_days} days (after ${answer.abandon_after_seconds / 3600} h idle); carts whose customer ordered since are left out.`,
    ),
    h(
      'div',
      { class: 'kpis' },
      kpi('carts', 'Carts in audience', int(answer.audience.carts), { raw: answer.audience.carts }),
      kpi('value', 'Total value', moneyList(answer.audience.value_by_currency), {
        raw: answer.audience.value_by_currency.map((v) => `${v.currency}:${v.value_minor}`).join(','),
      }),
    ),
    h(
      'p',
      {},
      csvButton,
      answer.audience.carts > 10_000 ? h('span', { class: 'muted' }, ' (the first 10,000 carts; use the API’s next_cursor for more)') : null,
    ),
  );
  if (answer.audience.carts === 0) {
    root.append(
      emptyBox(
        'No abandoned cart matches these filters.',
        filters.consent === 'required'
          ? 'Only carts with marketing consent count: try “any” to see all, look further back, lower the minimum value, or move “as of” later.'
          : 'Look further back, lower the minimum value, shorten “abandon after”, or move “as of” later.',
      ),
    );
    return;
  }
  const el = h('div', { class: 'chart small', id: 'audience-chart' });
  const byStage = ['cart', 'checkout'].map((s) => answer.carts.filter((c) => c.stage === s).length);
  root.append(
    h('div', { class: 'grid' }, card(`Carts by stage (first ${int(answer.carts.length)})`, el)),
    card(
      `Carts, oldest abandonment first${answer.has_more ? ` (first ${SHOWN}; the CSV has more)` : ''}`,
      table(
        [
          {
            key: 'cart_id',
            label: 'cart',
            fmt: (v) =>
              h(
                'a',
                {
                  href: '#',
                  dataset: { cart: v },
                  onclick: (e) => {
                    e.preventDefault();
                    ctx.open('cart', { id: v });
                  },
                },
                v,
              ),
          },
          { key: 'stage', label: 'stage' },
          { key: 'value_minor', label: 'value', num: true, fmt: (v, c) => money(v, c.currency) },
          { key: 'units', label: 'units', num: true, fmt: int },
          { key: 'customer_id', label: 'customer', fmt: (v, c) => v ?? `anonymous ${c.anonymous_id ?? ''}` },
          { key: 'channel', label: 'channel' },
          { key: 'campaign', label: 'campaign' },
          { key: 'consent_marketing', label: 'consent', fmt: (v) => (v == null ? '–' : v ? 'yes' : 'no') },
          { key: 'abandoned_at', label: 'abandoned', fmt: dateTime },
          {
            key: 'lines',
            label: 'contents',
            fmt: (ls) => h('span', { class: 'lines' }, ls.map((l) => `${l.quantity}× ${l.product_name ?? l.product_id}`).join(', ')),
          },
        ],
        answer.carts,
        { id: 'audience-table', rowKey: (c) => c.cart_id },
      ),
    ),
  );
  ctx.chart(el, {
    tooltip: { trigger: 'item' },
    series: [
      {
        type: 'pie',
        radius: ['40%', '70%'],
        label: { formatter: '{b}: {c}' },
        data: [
          { name: 'at cart', value: byStage[0], itemStyle: { color: PALETTE[0] } },
          { name: 'at checkout', value: byStage[1], itemStyle: { color: PALETTE[3] } },
        ],
      },
    ],
  });
}
