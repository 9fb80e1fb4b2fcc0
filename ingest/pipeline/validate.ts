import type { z } from 'zod';
import { CartEvent, EVENT_TYPES, SCHEMA_VERSION } from '../contract/events.ts';
import { compileFastCheck } from './fastCheck.ts';
import { ok, reject, type Outcome } from './outcome.ts';

const KNOWN_TYPES: ReadonlySet<string> = new Set(EVENT_TYPES);
const MAX_ISSUES_IN_DETAIL = 5;
const acceptedByContract = compileFastCheck(CartEvent);

/** Step 2: JSON value → a contract-valid event, or the reason it is not one. */
export function validate(value: unknown): Outcome<CartEvent> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('not_an_object', `expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'null' : typeof value}`);
  }
  const record = value as Record<string, unknown>;
  if (typeof record.type !== 'string' || !KNOWN_TYPES.has(record.type)) {
    return reject('unknown_type', `type: ${JSON.stringify(record.type ?? null)} is not one of ${EVENT_TYPES.join(', ')}`, 'type');
  }
  if (typeof record.schema_version === 'number' && record.schema_version !== SCHEMA_VERSION) {
    return reject(
      'unsupported_schema_version',
      `schema_version: ${record.schema_version} is not supported; this build reads version ${SCHEMA_VERSION}`,
      'schema_version',
    );
  }
  // The compiled check accepts exactly what the schema accepts (fastCheck.unit.test.ts); a value it does
  // not accept goes to zod, which gives the reason. An accepted value is used as it is: zod's parse would
  // only copy it without the keys the contract does not name, which toRow never reads.
  if (acceptedByContract(value)) return ok(value as CartEvent);
  const parsed = CartEvent.safeParse(value);
  if (parsed.success) return ok(parsed.data);
  return reject('schema_violation', describeIssues(parsed.error.issues), pathOf(parsed.error.issues[0]));
}

function pathOf(issue: z.core.$ZodIssue | undefined): string | null {
  if (!issue || issue.path.length === 0) return null;
  return issue.path.map(String).join('.');
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const parts = issues.slice(0, MAX_ISSUES_IN_DETAIL).map((i) => `${pathOf(i) ?? '(event)'}: ${i.message}`);
  if (issues.length > MAX_ISSUES_IN_DETAIL) parts.push(`and ${issues.length - MAX_ISSUES_IN_DETAIL} more`);
  return parts.join('; ');
}
