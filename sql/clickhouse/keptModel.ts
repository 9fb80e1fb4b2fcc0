/**
 * The cart and line models as of an instant at or after every kept fold's last event (the default "now").
 *
 * cart_replay_asof and cart_line_replay_asof read the kept rows and fold from events only the carts with
 * events after as_of (views/010_cart_model.sql, views/020_line_model.sql). For an as_of at or after the
 * last event stored that set is empty, and its index finds it so without reading, but ClickHouse still
 * plans the fold (a deep query of array lambdas) at every answer: most of a small window's cost. So each
 * view over them has a `_kept` twin over `cart_replay_kept` / `cart_line_replay_kept` alone, made here
 * from the view's own statement (one definition of each rule), and the adapter reads the twins when no
 * kept fold ends after as_of.
 */

/** The views that read a live fold, directly or through another: each gets a `_kept` twin. */
const TWINNED: ReadonlySet<string> = new Set(['cart_state', 'cart_lines', 'audience', 'cart_line_state']);

/** A call of a view that has a `_kept` twin (cart_fold_asof, the fold itself, has none). */
const CALL = /\b(cart_replay|cart_line_replay|cart_state|cart_lines|audience|cart_line_state)_asof\(/g;

/** A call of a view that has a `_kept` twin, with a literal as_of first, as ClickHouse's formatQuery prints it. */
const LITERAL_CALL = /\b(?:cart_replay|cart_line_replay|cart_state|cart_lines|audience|cart_line_state)_asof\(as_of_ms = (\d{1,19})[,)]/g;

/**
 * The earliest as_of of a data-team statement (canonical, formatQuery's text) whose every call of a view
 * with a twin names a literal as_of, or null. `calls` is how many such calls its AST holds: the text must
 * show exactly as many, each with a literal, so that no string literal or other text that looks like a call
 * is counted or rewritten by keptVariant.
 */
export function keptAsOf(statement: string, calls: number): string | null {
  const all = statement.match(CALL)?.length ?? 0;
  const literal = [...statement.matchAll(LITERAL_CALL)].map((m) => BigInt(m[1]!));
  if (calls === 0 || all !== calls || literal.length !== calls) return null;
  // bigints: Math.min does not take them
  let earliest = literal[0]!;
  for (const t of literal) if (t < earliest) earliest = t;
  return earliest <= 9223372036854775807n ? String(earliest) : null;
}

/** The names of the `_kept` twins, which a rewritten statement reads (keptVariant). */
export const KEPT_VIEWS: ReadonlySet<string> = new Set([...TWINNED, 'cart_replay', 'cart_line_replay'].map((v) => `${v}_kept`));

/** The query reading the `_kept` twins instead of the `_asof` views, or null if it reads none of them. */
export function keptVariant(sql: string): string | null {
  const kept = sql.replace(CALL, '$1_kept(');
  return kept === sql ? null : kept;
}

/** The statements that create the `_kept` twins, from the views' statements (views/*.sql), in their order. */
export function keptTwins(viewStatements: readonly string[]): string[] {
  return viewStatements.flatMap((sql) => {
    const name = /CREATE OR REPLACE VIEW (\w+)_asof AS/.exec(sql)?.[1];
    if (name === undefined || !TWINNED.has(name)) return [];
    return [sql.replace(`VIEW ${name}_asof AS`, `VIEW ${name}_kept AS`).replace(CALL, '$1_kept(')];
  });
}
