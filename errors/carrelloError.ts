import { ERROR_CODES, isErrorCode, type ErrorCode } from './codes.ts';

export { ERROR_CODES, isErrorCode, type ErrorCode } from './codes.ts';

/** Facts for the reader (the limit, the field, the offset): snake_case keys, JSON values. */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/**
 * carrello's one error: a stable `code` (errors/codes.ts maps it to an HTTP status and title), a message
 * for people, `details` for programs and, when it wraps one, the `cause`. Callers tell errors apart by
 * code (`isCarrelloError(err, 'store_locked')`), never by class; the API turns it into problem+json in
 * one place (api/problem.ts), the CLI into an exit code (cli/cli.ts).
 */
export class CarrelloError<C extends ErrorCode = ErrorCode> extends Error {
  override readonly name = 'CarrelloError';

  constructor(
    readonly code: C,
    message: string,
    readonly details: ErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The HTTP status of the code. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** Whether `err` is a CarrelloError, of one of `codes` when given. */
export function isCarrelloError<C extends ErrorCode>(err: unknown, ...codes: C[]): err is CarrelloError<C> {
  // By shape as well as by class: a second copy of this module (a shop's bundle holding the producer
  // twice) makes errors that are CarrelloErrors in all but their prototype.
  const e = err as { name?: unknown; code?: unknown } | null;
  const ours = err instanceof CarrelloError || (err instanceof Error && e!.name === 'CarrelloError' && isErrorCode(e!.code));
  return ours && (codes.length === 0 || codes.includes(e!.code as C));
}

/**
 * A check for one code (or a few) that also works with `instanceof`: it keeps the names the errors had as
 * classes (`err instanceof EventRefusedError`) working for code written against them.
 */
export interface CodeGuard<C extends ErrorCode> {
  (err: unknown): err is CarrelloError<C>;
  [Symbol.hasInstance](err: unknown): err is CarrelloError<C>;
  readonly codes: readonly C[];
}

export function codeGuard<C extends ErrorCode>(...codes: [C, ...C[]]): CodeGuard<C> {
  const guard = (err: unknown): err is CarrelloError<C> => isCarrelloError(err, ...codes);
  // Function.prototype's Symbol.hasInstance is not writable: defined, not assigned.
  Object.defineProperty(guard, Symbol.hasInstance, { value: guard });
  Object.defineProperty(guard, 'codes', { value: Object.freeze([...codes]), enumerable: true });
  return guard as CodeGuard<C>;
}
