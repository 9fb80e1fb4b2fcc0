// @ts-check
// Small DOM helpers shared by the pages: elements, key figures, tables, messages and charts.
// Every value from the API is shop input (an ingest key may send any product name, campaign or id):
// it reaches the page only as text (text nodes, attribute values, the canvas of a chart), never as
// markup. h() builds elements, so nothing here parses HTML; chartOption() closes the one HTML sink a
// chart has, its tooltip.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v == null || v === false) continue;
    // An on* attribute would be code in a string; only a function is ever a listener.
    if (k.startsWith('on')) {
      if (typeof v !== 'function') throw new TypeError(`h(): ${k} must be a function`);
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' || k === 'checked' || k === 'selected') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

/**
 * A key figure; `id` lands in data-k (and the raw number in data-value) so tests can find it.
 * @param {string} id
 * @param {string} label
 * @param {unknown} value
 * @param {{ raw?: unknown, note?: unknown }} [opts]
 */
export function kpi(id, label, value, { raw, note } = {}) {
  return h(
    'div',
    { class: 'kpi', dataset: { k: id, ...(raw !== undefined ? { value: String(raw) } : {}) } },
    h('div', { class: 'label' }, label),
    h('div', { class: 'value' }, value),
    note ? h('div', { class: 'note' }, note) : null,
  );
}

/**
 * A table. columns: [{ key, label, num?, fmt?(value, row) }]. onRow(row) makes rows clickable.
 * Only the first `max` rows are drawn so that a large answer keeps the page responsive.
 */
/**
 * @template {object} R
 * @param {{ key: string, label: string, num?: boolean, fmt?: (value: any, row: R) => unknown }[]} columns
 * @param {R[]} rows
 * @param {{ onRow?: (row: R, tr: HTMLElement) => void, max?: number, id?: string, rowKey?: (row: R) => unknown }} [opts]
 */
export function table(columns, rows, { onRow, max = 500, id, rowKey } = {}) {
  const shown = rows.slice(0, max);
  const body = shown.map((row) => {
    const tr = h(
      'tr',
      { class: onRow ? 'clickable' : null, dataset: rowKey ? { key: String(rowKey(row)) } : {}, onclick: onRow ? () => onRow(row, tr) : null },
      columns.map((c) => {
        const v = row[c.key];
        const shownValue = c.fmt ? c.fmt(v, row) : v == null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        return h('td', { class: c.num ? 'num' : null, dataset: { c: c.key } }, shownValue);
      }),
    );
    return tr;
  });
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { id },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((c) => h('th', { class: c.num ? 'num' : null }, c.label ?? c.key)),
        ),
      ),
      h('tbody', {}, body),
    ),
    rows.length > max ? h('p', { class: 'muted' }, `Showing the first ${max} of ${rows.length} rows.`) : null,
  );
}

const HINTS = {
  0: 'Check that carrello is running and reachable, then reload.',
  401: 'This carrello needs an API key: enter one under “API key” (top right) and apply.',
  403: 'Your API key’s role may not use this page; ask for a key with the right role (data for SQL).',
  404: 'Nothing with that name or id exists as of the chosen time: check the id, or move as_of later.',
  429: 'Too many requests: wait a moment and try again.',
  503: 'The service is busy or stopping: try again in a few seconds.',
};

/** An error that says what happened and what to do about it. */
export function errorBox(err) {
  const fields = (err.errors ?? []).map((e) => `${e.field}: ${e.message}`).join('; ');
  const hint =
    HINTS[err.status] ??
    (err.status === 400 ? `Fix the parameter${fields ? ` (${fields})` : ''} and try again.` : 'Try again; if it persists, look at the server log.');
  return h(
    'div',
    { class: 'msg error', role: 'alert', dataset: { code: err.code ?? 'error' } },
    h('strong', {}, err.code ? `${err.code}${err.status ? ` (${err.status})` : ''}` : 'Error'),
    h('div', {}, err.message),
    h('div', { class: 'muted' }, hint),
  );
}

export function emptyBox(title, what) {
  return h('div', { class: 'msg empty', dataset: { empty: '1' } }, h('strong', {}, title), h('div', { class: 'muted' }, what));
}

/**
 * A <select name> of [value, label] options with `value` chosen (labels are text: h() escapes them).
 * @param {string} name
 * @param {ReadonlyArray<readonly string[]>} options
 * @param {string} value
 */
export function select(name, options, value) {
  return h(
    'select',
    { name },
    options.map(([v, l]) => h('option', { value: v, selected: v === value }, l)),
  );
}

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h2', {}, title) : null, ...children);
}

/** Lines of text for a chart tooltip, as DOM (a tooltip formatter's string would be parsed as HTML). */
export function tooltipText(...lines) {
  return h(
    'div',
    {},
    lines.flatMap((line, i) => (i ? [h('br'), line] : [line])),
  );
}

/**
 * An ECharts option whose tooltip formatters can only produce text. ECharts escapes what it builds
 * itself (names, values, '{b}' templates), but it sets a formatter function's string answer with
 * innerHTML: here such a string becomes a text node instead, so a formatter that interpolates a
 * product name cannot inject markup, whoever writes it next. Formatters should return tooltipText().
 */
export function chartOption(option) {
  const guard = (tooltip) => {
    if (!tooltip || typeof tooltip.formatter !== 'function') return tooltip;
    const formatter = tooltip.formatter;
    return {
      ...tooltip,
      formatter: (...args) => {
        const out = formatter(...args);
        return typeof out === 'string' || typeof out === 'number' ? h('div', {}, String(out)) : out;
      },
    };
  };
  const series = option.series == null ? option.series : [option.series].flat().map((s) => (s.tooltip ? { ...s, tooltip: guard(s.tooltip) } : s));
  return { ...option, tooltip: Array.isArray(option.tooltip) ? option.tooltip.map(guard) : guard(option.tooltip), series };
}

export const PALETTE = ['#2f6fde', '#e8743b', '#19a979', '#ed4a7b', '#945ecf', '#13a4b4', '#525df4', '#bf399e', '#6c8893', '#ee6868'];
