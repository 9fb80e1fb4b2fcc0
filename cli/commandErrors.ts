import { connect } from 'node:net';
import { CarrelloError } from '../errors/carrelloError.ts';

/**
 * A network target that could not be reached (code `unreachable`): the CLI prints it as one line,
 * `carrello: cannot reach <what> at <where>: <cause>`, and exits 1, instead of a client library's stack
 * after its retries.
 */
export function unreachable(what: string, where: string, cause: string): CarrelloError<'unreachable'> {
  return new CarrelloError('unreachable', `cannot reach ${what} at ${where}: ${cause}`, { what, where, cause });
}

/** The cause of a network error in a few words: its system code (ECONNREFUSED…) and message. */
export function networkCause(err: unknown): string {
  let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
  // fetch wraps the socket error: `TypeError: fetch failed` { cause: Error ECONNREFUSED }.
  while (e && typeof e === 'object' && e.cause && typeof e.cause === 'object') e = e.cause as typeof e;
  const code = typeof e?.code === 'string' ? e.code : null;
  const message = String(e?.message ?? err);
  return code && !message.includes(code) ? `${code} ${message}` : message;
}

/**
 * Resolves once one of the `host:port` brokers accepts a TCP connection; throws `unreachable` naming
 * them all when none does within timeoutMs. A quick first check: kafkajs would retry for seconds first.
 */
export async function assertReachable(what: string, brokers: readonly string[], timeoutMs = 3_000): Promise<void> {
  const causes: string[] = [];
  for (const broker of brokers) {
    const i = broker.lastIndexOf(':');
    const host = broker.slice(0, i).replace(/^\[|\]$/g, '');
    const port = Number(broker.slice(i + 1));
    const cause = await new Promise<string | null>((resolve) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(`no answer in ${timeoutMs} ms`);
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.destroy();
        resolve(null);
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        resolve(networkCause(err));
      });
    });
    if (cause === null) return;
    causes.push(cause);
  }
  throw unreachable(what, brokers.join(','), [...new Set(causes)].join('; '));
}
