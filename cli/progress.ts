/**
 * A progress line for long commands: on a terminal (stderr a TTY) one line on stderr, rewritten in place,
 * ended by the command's final counts; nowhere else (CI, pipes, log files get nothing of it).
 */
export interface ProgressLine {
  /** Rewrites the line with `text`. */
  update(text: string): void;
  /** Writes the final line (the counts) and ends it. */
  done(text: string): void;
  /** Ends the line without a final text (the command failed: its error line follows). */
  stop(): void;
}

interface Terminal {
  isTTY?: boolean;
  write(s: string): unknown;
}

const CLEAR_TO_END = '\x1b[K';
const NONE: ProgressLine = { update: () => undefined, done: () => undefined, stop: () => undefined };

export function progressLine(prefix: string, stream: Terminal = process.stderr): ProgressLine {
  if (stream.isTTY !== true) return NONE;
  let open = false;
  return {
    update(text) {
      open = true;
      stream.write(`\r${prefix}: ${text}${CLEAR_TO_END}`);
    },
    done(text) {
      open = false;
      stream.write(`\r${prefix}: ${text}${CLEAR_TO_END}\n`);
    },
    stop() {
      if (open) stream.write('\n');
      open = false;
    },
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Runs `work`, one step the engine reports nothing of (a rebuild, a forget), showing `doing` and the time
 * it has taken so far on the progress line, then `counts(result)` and the whole time once it is done.
 */
export async function withProgress<T>(line: ProgressLine, doing: string, work: () => Promise<T>, counts: (result: T) => string): Promise<T> {
  const started = Date.now();
  line.update(`${doing}…`);
  const tick = setInterval(() => line.update(`${doing}… ${seconds(Date.now() - started)}`), 250);
  try {
    const result = await work();
    line.done(`${counts(result)} in ${seconds(Date.now() - started)}`);
    return result;
  } catch (err) {
    line.stop();
    throw err;
  } finally {
    clearInterval(tick);
  }
}

/** A count as people read it: 1,234,567. */
export const count = (n: number): string => n.toLocaleString('en');

/** A count and its noun: `1 cart`, `2,000 carts`. */
export const counted = (n: number, noun: string): string => `${count(n)} ${noun}${n === 1 ? '' : 's'}`;

/** The simulator's backfill so far, as the demo load and `carrello simulate` show it. */
export const simulatedUpTo = (p: { sent: number; simulatedAt: number }): string =>
  `${count(p.sent)} events, simulated up to ${new Date(p.simulatedAt).toISOString()}`;
