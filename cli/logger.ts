import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** `auto`: readable lines on a terminal, JSON lines otherwise (a file, a pipe, a log collector). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * JSON lines on stdout: `level` as a word, `time` in ISO-8601 UTC, `service`, `msg`, then fields; on a
 * terminal (format `auto`, CARRELLO_LOG_FORMAT) the same records as readable, coloured lines.
 * Customer identifiers never belong in a log line; should one slip into a logged object under its
 * contract name, it is censored here as a second line of defence.
 */
export function createLogger(level: string, service = 'carrello', format: LogFormat = 'auto'): Logger {
  const readable = format === 'pretty' || (format === 'auto' && process.stdout.isTTY === true);
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: ['customer_id', 'anonymous_id', 'session_id', 'cart_id', '*.customer_id', '*.anonymous_id', '*.session_id', '*.cart_id', 'payload', '*.payload'],
        censor: '[redacted]',
      },
    },
    // Synchronous writes: the last lines before a crash (or the failpoint's SIGKILL) are not lost in a
    // buffer. carrello logs per batch and per process event, never per message, so this costs little.
    readable
      ? (pretty({ sync: true, colorize: true, translateTime: "UTC:yyyy-mm-dd HH:MM:ss.l'Z'", ignore: 'pid,hostname,service' }) as DestinationStream)
      : pino.destination({ dest: 1, sync: true }),
  );
}
