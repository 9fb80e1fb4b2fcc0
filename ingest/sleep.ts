/**
 * Waits `ms`, or less when `signal` aborts first. The abort listener is removed when the wait ends either
 * way: a loop that sleeps on one long-lived signal (the demo feed ticks every second for hours) must not
 * leave one listener behind per wait.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
