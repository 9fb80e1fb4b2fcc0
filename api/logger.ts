import { pino, type Logger } from 'pino';

/**
 * JSON lines on stdout: `level` as a word, `time` in ISO-8601 UTC, `service`, `msg`, then fields.
 * Customer identifiers never belong in a log line; should one slip into a logged object under its
 * contract name, it is censored here as a second line of defence.
 */
export function createLogger(level: string, service = 'carrello'): Logger {
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
    pino.destination({ dest: 1, sync: true }),
  );
}
