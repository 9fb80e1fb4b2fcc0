import { isCarrelloError } from '../../errors/carrelloError.ts';

/** What a query's refusal says to a client: its code and facts, or undefined when it was answered. */
export function refusalOf(answer: Promise<unknown>): Promise<Record<string, unknown> | undefined> {
  return answer.then(
    () => undefined,
    (err: unknown) => (isCarrelloError(err) ? { code: err.code, ...err.details } : { thrown: String(err) }),
  );
}
