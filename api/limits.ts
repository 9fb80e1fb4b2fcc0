import type { ReadOnlyLimits } from '../sql/warehouse.ts';

/** The limits the API enforces on what a client controls (size, time, concurrency); cli/config.ts sets them. */
export interface ApiLimits {
  sql: ReadOnlyLimits & { maxConcurrent: number };
  export: { maxRows: number; maxConcurrent: number; maxPerKey: number; deadlineMs: number };
}

/** The documented defaults: what the configuration starts from, and what apps built without one use (tests). */
export const DEFAULT_API_LIMITS = {
  sql: { timeoutMs: 10_000, maxRows: 100_000, maxBytes: 64 * 1024 * 1024, maxMemoryBytes: 1024 * 1024 * 1024, maxConcurrent: 4 },
  export: { maxRows: 5_000_000, maxConcurrent: 2, maxPerKey: 1, deadlineMs: 600_000 },
} satisfies ApiLimits;
