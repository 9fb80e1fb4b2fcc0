import { NONE, type FunnelOrder } from './definition.ts';
import { AttemptWalker } from './attempts.ts';
import { breakdownAt, type EventStream } from './stream.ts';

/**
 * The funnel's semantics, as a pure function over one entity's ordered events (docs/funnels.md says the
 * same in words; PostHog's funnels are the reference, and the unit tests port their cases).
 *
 * Every event that can start an attempt (the first step; any step when unordered) whose time lies in
 * [startFromMs, startToMs) starts one. An attempt reaches as many steps as it can within windowMs of its
 * first event (boundary included):
 * - ordered: each next step is a distinct event later in the entity's order, or at the same moment;
 * - strict: each next step is the entity's very next event (events of one moment in any order);
 * - unordered: steps in any order; depth k means k different steps done.
 * An attempt is spoiled when an exclusion event lies strictly between its steps i and j (or after step i
 * and within the window, when it never reached step j). The entity counts at the deepest step a clean
 * attempt reaches; of several, the one that got there first (then the one that started last, as PostHog
 * does), whose step times feed the conversion times.
 */

export interface MatchSpec {
  order: FunnelOrder;
  /** Number of steps, 2–20. */
  steps: number;
  windowMs: number;
  startFromMs: number;
  startToMs: number;
  /** Exclusion x (its bit in EventStream.exclusions) spoils between steps from and to (0-based). */
  exclusions: readonly { from: number; to: number }[];
  /** Whether the answer is broken down (else breakdown values are not read). */
  breakdown: boolean;
}

/** The attempt an entity counts with. */
export interface Counted {
  /** Steps reached, 1..steps. */
  depth: number;
  /** When each reached step happened (ms); for unordered funnels, when the k-th different step was done. */
  times: number[];
  /** The breakdown value of the attempt's first event. */
  breakdown: string | null;
}

/** Every counted entity's attempt, in flat arrays: entity i reached depth[i] steps, at times[i * steps + k]. */
export interface Outcomes {
  steps: number;
  counted: number;
  depth: Uint8Array;
  times: Float64Array;
  /** Per counted entity, when broken down. */
  breakdown: (string | null)[];
  /** Entities that started attempts in range, every one spoiled by an exclusion. */
  spoiled: number;
}

export interface EntityResult {
  counted: Counted | null;
  /** True when the entity started attempts in range but exclusions spoiled every one. */
  spoiled: boolean;
}

interface Candidate {
  depth: number;
  start: number;
  times: Float64Array;
  moments: Int32Array;
}

/** Matches every entity of a stream; scratch space is shared across entities. */
export class FunnelMatcher {
  private readonly walker: AttemptWalker;
  private readonly best: Candidate;
  private readonly exclusionEvents: number[] = [];

  constructor(
    private readonly s: EventStream,
    private readonly spec: MatchSpec,
  ) {
    this.walker = new AttemptWalker(s, spec);
    this.best = { depth: 0, start: -1, times: new Float64Array(spec.steps), moments: new Int32Array(spec.steps) };
  }

  /** One entity's result. */
  match(entity: number): EntityResult {
    const outcome = this.run(entity);
    if (outcome <= 0) return { counted: null, spoiled: outcome < 0 };
    const { best } = this;
    const times: number[] = [];
    for (let k = 0; k < best.depth; k++) times.push(best.times[k]!);
    return { counted: { depth: best.depth, times, breakdown: this.bestBreakdown(entity) }, spoiled: false };
  }

  /** Every entity's result, in flat arrays (a million events make many small objects otherwise). */
  matchAll(): Outcomes {
    const { s, spec } = this;
    const n = spec.steps;
    const depth = new Uint8Array(s.entities);
    const times = new Float64Array(s.entities * n);
    const breakdown: (string | null)[] = [];
    let counted = 0;
    let spoiled = 0;
    for (let e = 0; e < s.entities; e++) {
      const outcome = this.run(e);
      if (outcome < 0) spoiled += 1;
      if (outcome <= 0) continue;
      depth[counted] = this.best.depth;
      times.set(this.best.times.subarray(0, this.best.depth), counted * n);
      if (spec.breakdown) breakdown[counted] = this.bestBreakdown(e);
      counted += 1;
    }
    return { steps: n, counted, depth: depth.subarray(0, counted), times: times.subarray(0, counted * n), breakdown, spoiled };
  }

  /** Finds the entity's counted attempt (into best): 1 when found, -1 when every attempt was spoiled, 0 when none started. */
  private run(entity: number): number {
    const { s, spec } = this;
    const lo = s.offsets[entity]!;
    const hi = s.offsets[entity + 1]!;
    const monotone = s.monotone[entity] === 1;
    const best = this.best;
    best.depth = 0;
    best.start = -1;

    this.exclusionEvents.length = 0;
    if (spec.exclusions.length > 0) for (let i = lo; i < hi; i++) if (s.exclusions[i] !== 0) this.exclusionEvents.push(i);

    // An attempt whose first event is followed, before the next attempt's first event, by nothing it could
    // use that the next one cannot, reaches no further than the next one and never first (see dominated()).
    const canSkip = spec.exclusions.length === 0 && monotone;
    let first = -1;
    let pending = -1;
    let pendingUseful = false;
    let started = false;
    for (let i = lo; i < hi; i++) {
      const startable = this.startable(i);
      if (pending >= 0 && startable && canSkip && !pendingUseful && this.dominated(pending, i)) {
        pending = i;
        pendingUseful = this.usefulBefore(i, lo);
        continue;
      }
      if (pending >= 0 && !pendingUseful && this.useful(i, pending)) pendingUseful = true;
      if (!startable) continue;
      started = true;
      if (first < 0) first = i;
      if (pending >= 0) this.consider(pending, lo, hi, monotone);
      pending = i;
      pendingUseful = this.usefulBefore(i, lo);
    }
    if (pending >= 0) this.consider(pending, lo, hi, monotone);

    if (best.depth === 0) return started ? -1 : 0;
    if (best.depth === 1 && canSkip) {
      // A skipped attempt may have been the first to reach step 1: the first attempt counts.
      best.start = first;
      best.times[0] = s.t[first]!;
    }
    return 1;
  }

  private bestBreakdown(entity: number): string | null {
    return this.spec.breakdown ? this.breakdownOf(this.best.start, this.s.offsets[entity]!, this.s.offsets[entity + 1]!) : null;
  }

  private startable(i: number): boolean {
    const { s, spec } = this;
    const bits = s.steps[i]!;
    if (spec.order === 'unordered' ? bits === 0 : (bits & 1) === 0) return false;
    const t = s.t[i]!;
    return t >= spec.startFromMs && t < spec.startToMs;
  }

  /** Whether the attempt starting at `later` reaches at least as far as the one at `earlier`, as early. */
  private dominated(earlier: number, later: number): boolean {
    const bits = this.s.steps;
    if (this.spec.order === 'unordered') {
      const b = bits[earlier]!;
      return bits[later] === b && (b & (b - 1)) === 0 && this.s.moment[later] !== this.s.moment[earlier];
    }
    return this.spec.order === 'ordered' && bits[earlier] === 1 && bits[later] === 1 && this.s.moment[later] !== this.s.moment[earlier];
  }

  /** Whether event i could serve the attempt starting at `start` in a way a later attempt could not. */
  private useful(i: number, start: number): boolean {
    if (i === start) return false;
    const b = this.s.steps[i]!;
    return this.spec.order === 'unordered' ? b !== 0 && b !== this.s.steps[start] : (b & ~1) !== 0;
  }

  /** Whether an event of start's moment, before it, could serve it. */
  private usefulBefore(start: number, lo: number): boolean {
    const m = this.s.moment[start];
    for (let i = start - 1; i >= lo && this.s.moment[i] === m; i--) if (this.useful(i, start)) return true;
    return false;
  }

  /** Runs the attempt starting at `start` and keeps it when clean and better than the best so far. */
  private consider(start: number, lo: number, hi: number, monotone: boolean): void {
    const depth = this.walker.walk(start, lo, hi, monotone);
    const { moments, times } = this.walker;
    if (this.spoiled(start, depth)) return;
    const best = this.best;
    if (best.depth > 0) {
      if (depth < best.depth) return;
      if (depth === best.depth) {
        const done = moments[depth - 1]!;
        const bestDone = best.moments[depth - 1]!;
        if (done > bestDone) return;
        // Attempts starting at one moment are the same attempt (breakdownOf settles its value).
        if (done === bestDone && this.s.moment[start]! <= this.s.moment[best.start]!) return;
      }
    }
    best.depth = depth;
    best.start = start;
    best.times.set(times.subarray(0, depth));
    best.moments.set(moments.subarray(0, depth));
  }

  /** Whether an exclusion event lies strictly between the attempt's steps from and to. */
  private spoiled(start: number, depth: number): boolean {
    const { s, spec } = this;
    if (this.exclusionEvents.length === 0) return false;
    const t0 = s.t[start]!;
    for (let x = 0; x < spec.exclusions.length; x++) {
      const { from, to } = spec.exclusions[x]!;
      if (depth - 1 < from) continue;
      const after = this.walker.moments[from]!;
      const reached = depth - 1 >= to;
      const before = reached ? this.walker.moments[to]! : 0;
      for (const e of this.exclusionEvents) {
        if ((s.exclusions[e]! & (1 << x)) === 0 || s.moment[e]! <= after) continue;
        if (reached ? s.moment[e]! < before : s.t[e]! - t0 <= spec.windowMs) return true;
      }
    }
    return false;
  }

  /**
   * The breakdown value of the attempt's first event. Several events that could start it at the same
   * moment make one attempt: its value is the smallest of theirs, a missing one counting as "(none)".
   */
  private breakdownOf(start: number, lo: number, hi: number): string | null {
    const { s } = this;
    const m = s.moment[start];
    let value = breakdownAt(s, start);
    let i = start;
    while (i > lo && s.moment[i - 1] === m) i -= 1;
    for (; i < hi && s.moment[i] === m; i++) {
      if (i === start || !this.startable(i)) continue;
      const other = breakdownAt(s, i);
      if ((other ?? NONE) < (value ?? NONE)) value = other;
    }
    return value;
  }
}
