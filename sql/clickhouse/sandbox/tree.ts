import { deniedFunction, EXPOSED_SYSTEM_TABLES, EXPOSED_TABLE_FUNCTIONS, EXPOSED_TABLES } from './policy.ts';
import { CarrelloError } from '../../../errors/carrelloError.ts';

/**
 * The second wall of the sandbox: ClickHouse's analyzer resolves the statement (`EXPLAIN QUERY TREE`)
 * and every table it will read, by whatever syntax it was named (FROM, JOIN, `x IN t`, a CTE's body,
 * a subquery), comes out as a `TABLE` node with its database; every table function as a
 * `TABLE_FUNCTION` node; every function by its resolved name. Each is checked against policy.ts, so a
 * way of naming a table that the AST walk (sandbox.ts) does not know is still refused.
 *
 * The analyzer evaluates constant scalar subqueries while it resolves, so the tree is asked for on the
 * read-only session with the query's own limits, after the AST walk has let only exposed names through.
 * `alsoExposed` names the views the warehouse itself put into the statement (the `_kept` twins).
 */
export function checkQueryTree(text: string, database: string, alsoExposed: ReadonlySet<string> = new Set()): { constantBytes: number } {
  const lines = explainLines(text);
  for (const line of lines.map((l) => l.trim())) {
    const table = /^TABLE id: \d+,.*\btable_name: ([^,\s]+)/.exec(line);
    if (table) {
      const name = table[1]!;
      const local = name.startsWith(`${database}.`) ? name.slice(database.length + 1) : null;
      const exposed =
        (local !== null && (EXPOSED_TABLES.has(local) || EXPOSED_TABLE_FUNCTIONS.has(local) || alsoExposed.has(local))) || EXPOSED_SYSTEM_TABLES.has(name);
      if (!exposed) throw new CarrelloError('sql_forbidden_table', `table ${local ?? name} is not exposed; see docs/sql.md`, { table: local ?? name });
      continue;
    }
    const tableFunction = /^TABLE_FUNCTION id: \d+,.*\btable_function_name: ([^,\s]+)/.exec(line);
    if (tableFunction) {
      const name = tableFunction[1]!;
      if (!EXPOSED_TABLE_FUNCTIONS.has(name))
        throw new CarrelloError('sql_forbidden_function', `table function ${name} is not exposed; see docs/sql.md`, { function: name });
      continue;
    }
    const fn = /^FUNCTION id: \d+, function_name: ([^,\s]+)/.exec(line);
    const denied = fn ? deniedFunction(fn[1]!) : undefined;
    if (denied !== undefined) throw new CarrelloError('sql_forbidden_function', `function ${fn![1]} is not allowed: it ${denied}`, { function: fn![1] });
  }
  return { constantBytes: projectedConstantBytes(lines) };
}

/**
 * The most text that one row's constant columns print to, over every projection of the tree. A
 * constant column is one value to ClickHouse's memory and result limits; the output format writes it
 * once per row, outside both (`SELECT repeat('x', 10000) FROM numbers(20000)` wrote 200 MB past every
 * limit). limits.ts caps the rows of such a result instead.
 */
function projectedConstantBytes(lines: string[]): number {
  let most = 0;
  lines.forEach((line, i) => {
    if (line.trim() !== 'PROJECTION') return;
    const list = lines[i + 1];
    if (!list?.trim().startsWith('LIST id:')) return;
    const depth = indent(list) + 2;
    let sum = 0;
    for (let j = i + 2; j < lines.length && indent(lines[j]!) >= depth; j++) {
      if (indent(lines[j]!) === depth && lines[j]!.trim().startsWith('CONSTANT id:')) sum += lines[j]!.length;
    }
    most = Math.max(most, sum);
  });
  return most;
}

const indent = (l: string) => l.length - l.trimStart().length;

/** The lines of an EXPLAIN answer, indentation kept: chdb prints them quoted (as CSV) whatever the format asked for, a server does not. */
export function explainLines(text: string): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (l.startsWith('"') && l.endsWith('"') ? l.slice(1, -1).replace(/""/g, '"') : l));
}
