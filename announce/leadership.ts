/**
 * Whether this process does the lifecycle's single-writer work now (detection into the log, deliveries):
 * always in the embedded process; in Kafka mode, the ingest worker that holds partition 0 of the event
 * topic (ingest/kafka/leadership.ts). `signal` aborts when the current term ends, so a delivery waiting
 * out a backoff stops at once.
 */
export interface Leadership {
  active(): boolean;
  readonly signal: AbortSignal;
}

/** The embedded process: the only writer of its store. */
export const SOLE_WRITER: Leadership = { active: () => true, signal: new AbortController().signal };
