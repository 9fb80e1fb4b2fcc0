// @ts-check
// SQL console: one read-only query, a table, CSV or Arrow out, and a plot of two columns.
import { download, postJson } from '../api.js';
import { int } from '../fmt.js';
import { card, emptyBox, errorBox, h, PALETTE, table } from '../ui.js';

export const controls = [];
export const refresh = false;
const EXAMPLE = "SELECT date_trunc('day', occurred_at) AS day, count(*) AS events\nFROM events\nGROUP BY day\nORDER BY day";

export async function render(root, ctx) {
  const text = ctx.params.get('q') ?? EXAMPLE;
  const area = h('textarea', { class: 'sql', name: 'query', spellcheck: 'false', value: text });
  const form = h(
    'form',
    {
      id: 'sql-form',
      onsubmit: (e) => {
        e.preventDefault();
        ctx.go({ q: area.value, run: String(Date.now()) });
      },
    },
    area,
    h(
      'div',
      { class: 'form' },
      h('button', { type: 'submit', name: 'run' }, 'Run (Ctrl+Enter)'),
      h('span', { class: 'muted' }, 'Read-only: SELECT, WITH, DESCRIBE, SUMMARIZE over events, rejected_events and the cart_*_asof macros (docs/sql.md).'),
    ),
  );
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  root.append(h('h1', {}, 'SQL console'), form);
  if (!ctx.params.get('run')) return;

  const out = h('div', { id: 'sql-result' });
  root.append(out);
  let result;
  try {
    result = await postJson('/v1/sql', { query: text });
  } catch (err) {
    // A refused or failed query is an answer of this page, not a page failure: show it under the editor.
    if (!ctx.stale()) out.append(errorBox(err));
    return;
  }
  if (ctx.stale()) return;
  const cols = result.columns.map((c) => c.name);
  const save = (format) =>
    download('/v1/sql', {
      method: 'POST',
      params: { format },
      body: { query: text },
      filename: `carrello-query.${format === 'arrow' ? 'arrow' : 'csv'}`,
    }).catch((err) => out.prepend(errorBox(err)));
  out.append(
    h(
      'p',
      { id: 'sql-meta' },
      `${int(result.rows.length)} rows${result.truncated ? ' (cut off at the row limit)' : ''} · `,
      h('button', { type: 'button', class: 'secondary', name: 'csv', onclick: () => save('csv') }, 'Download CSV'),
      ' ',
      h('button', { type: 'button', class: 'secondary', name: 'arrow', onclick: () => save('arrow') }, 'Download Arrow'),
    ),
  );
  if (!result.rows.length) {
    out.append(emptyBox('The query returned no rows.', 'Loosen its WHERE clause, or check the table with SELECT count(*) FROM events.'));
    return;
  }
  const chartEl = h('div', { class: 'chart', id: 'sql-chart' });
  const pick = (name, value) =>
    h(
      'select',
      { name },
      cols.map((c) => h('option', { value: c, selected: c === value }, c)),
    );
  const numeric = result.columns.filter((c) => /INT|DOUBLE|FLOAT|DECIMAL|REAL|NUMERIC/i.test(c.type)).map((c) => c.name);
  const xSel = pick('x', cols[0]);
  const ySel = pick('y', numeric.find((c) => c !== cols[0]) ?? cols[1] ?? cols[0]);
  const kind = h(
    'select',
    { name: 'kind' },
    ['line', 'bar', 'scatter'].map((k) => h('option', { value: k }, k)),
  );
  let plotted = null;
  const plot = () => {
    plotted?.dispose();
    const x = xSel.value;
    const y = ySel.value;
    plotted = ctx.chart(chartEl, {
      tooltip: { trigger: kind.value === 'scatter' ? 'item' : 'axis' },
      grid: { left: 60, right: 20, top: 20, bottom: 40 },
      xAxis: {
        type: kind.value === 'scatter' && numeric.includes(x) ? 'value' : 'category',
        name: x,
        data: kind.value === 'scatter' && numeric.includes(x) ? undefined : result.rows.map((r) => String(r[x])),
      },
      yAxis: { type: 'value', name: y },
      series: [
        {
          type: kind.value,
          data: kind.value === 'scatter' && numeric.includes(x) ? result.rows.map((r) => [Number(r[x]), Number(r[y])]) : result.rows.map((r) => Number(r[y])),
          itemStyle: { color: PALETTE[0] },
        },
      ],
    });
  };
  for (const s of [xSel, ySel, kind]) s.addEventListener('change', plot);
  out.append(
    card(h('span', {}, 'Plot ', h('label', {}, 'x ', xSel), ' ', h('label', {}, 'y ', ySel), ' ', kind), chartEl),
    card(
      'Result',
      table(
        result.columns.map((c) => ({ key: c.name, label: `${c.name} (${c.type})`, num: numeric.includes(c.name) })),
        result.rows,
        { id: 'sql-table', max: 1000 },
      ),
    ),
  );
  plot();
}
