/**
 * Turns a panel's rawSql into the statement Grafana and the ClickHouse data source plugin
 * (grafana-clickhouse-datasource v4) send to ClickHouse, in their two steps, for the macros and variable
 * formats carrello's dashboard uses (anything else is refused, so the test notices a new one):
 *
 * 1. Grafana (the browser) interpolates template variables: `${name}` / `$name` (a single value, as
 *    is), `${name:singlequote}` (each value in '…' with ' escaped as \', joined by commas) and
 *    `${name:sqlstring}` (each value in '…' with ' doubled, joined by commas).
 * 2. The plugin (its backend, pkg/macros) expands macros against the panel's time range and interval:
 *    `$__fromTime_ms` / `$__toTime_ms` → `fromUnixTimestamp64Milli(<ms>)`;
 *    `$__timeFilter_ms(col)` → `col >= fromUnixTimestamp64Milli(<from>) AND col <= fromUnixTimestamp64Milli(<to>)`;
 *    `$__timeInterval(col)` → `toStartOfInterval(toDateTime(col), INTERVAL <interval s> second)`;
 *    `$__interval_s` → the interval in whole seconds (at least 1).
 */
export interface PanelContext {
  variables: Record<string, string | string[]>;
  /** The dashboard's time range, epoch ms. */
  from: number;
  to: number;
  /** The panel's interval ($__interval), ms. */
  intervalMs: number;
}

const FORMATS: Record<string, (v: string) => string> = {
  singlequote: (v) => `'${v.replace(/'/g, "\\'")}'`,
  sqlstring: (v) => `'${v.replace(/'/g, "''")}'`,
};

function interpolate(sql: string, variables: PanelContext['variables']): string {
  return sql.replace(/\$\{(\w+)(?::(\w+))?\}|\$(?!__)(\w+)/g, (whole, braced: string | undefined, format: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = variables[name];
    if (value === undefined) throw new Error(`no value for the variable ${whole}`);
    const values = Array.isArray(value) ? value : [value];
    if (format === undefined) {
      if (values.length !== 1) throw new Error(`${whole} has several values: give it a format such as :singlequote`);
      return values[0]!;
    }
    const f = FORMATS[format];
    if (!f) throw new Error(`unknown variable format ${whole}`);
    return values.map(f).join(',');
  });
}

function expandMacros(sql: string, ctx: PanelContext): string {
  const seconds = Math.max(Math.floor(ctx.intervalMs / 1000), 1);
  const ms = (t: number) => `fromUnixTimestamp64Milli(${t})`;
  return sql.replace(/\$__(\w+)(?:\(([^()]*)\))?/g, (whole, name: string, arg: string | undefined) => {
    const col = arg?.trim();
    switch (name) {
      case 'fromTime_ms':
        return ms(ctx.from);
      case 'toTime_ms':
        return ms(ctx.to);
      case 'timeFilter_ms':
        if (!col) throw new Error(`${whole}: expected one argument`);
        return `${col} >= ${ms(ctx.from)} AND ${col} <= ${ms(ctx.to)}`;
      case 'timeInterval':
        if (!col) throw new Error(`${whole}: expected one argument`);
        return `toStartOfInterval(toDateTime(${col}), INTERVAL ${seconds} second)`;
      case 'interval_s':
        return String(seconds);
      default:
        throw new Error(`macro ${whole} is not expanded here`);
    }
  });
}

/** The statement ClickHouse receives for `rawSql` on a dashboard with these variables, range and interval. */
export function expandPanelSql(rawSql: string, ctx: PanelContext): string {
  const sql = expandMacros(interpolate(rawSql, ctx.variables), ctx);
  if (sql.includes('$')) throw new Error(`left unexpanded: ${sql}`);
  return sql;
}
