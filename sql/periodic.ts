/** A piece of work run every `everyMs`, one run at a time. */
export interface Periodic {
  /** Stops the schedule; resolves once a run under way has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `work` every `everyMs`, the next run scheduled when the last one ends (so a slow run never piles
 * up), on a timer that does not keep the process alive; `everyMs` 0 never runs it. `work` handles its own
 * errors: a rejection is ignored here and the schedule goes on.
 */
export function runPeriodically(everyMs: number, work: () => Promise<void>): Periodic {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const turn = () => {
    running = work()
      .catch(() => undefined)
      .finally(() => {
        if (!stopped) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(turn, everyMs);
    timer.unref();
  };
  if (everyMs > 0) schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
