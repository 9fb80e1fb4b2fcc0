import type { MatchSpec } from './matcher.ts';
import type { EventStream } from './stream.ts';

/**
 * One attempt, from its first event on: how far it gets within the window, and when it reached each
 * step (times, and moments in the entity's order). The matcher (matcher.ts) decides which attempts to
 * walk and which one an entity counts with. Scratch space is reused from one attempt to the next.
 */
export class AttemptWalker {
  /** When the attempt reached each step (ms), for the depth returned last. */
  readonly times: Float64Array;
  /** The moment of each step, in the entity's order. */
  readonly moments: Int32Array;
  private readonly owner: Int32Array;
  private visited = 0;
  /** extend()'s matching of one moment's events: the step each event took (-1: none), and visits. */
  private eventOwner = new Int32Array(8);
  private eventSeen = new Uint8Array(8);
  /** The strict walk's best choice so far. */
  private readonly bestTimes: Float64Array;
  private readonly bestMoments: Int32Array;

  constructor(
    private readonly s: EventStream,
    private readonly spec: Pick<MatchSpec, 'order' | 'steps' | 'windowMs'>,
  ) {
    this.times = new Float64Array(spec.steps);
    this.moments = new Int32Array(spec.steps);
    this.owner = new Int32Array(spec.steps);
    this.bestTimes = new Float64Array(spec.steps);
    this.bestMoments = new Int32Array(spec.steps);
  }

  /** Walks the attempt starting at event `start` of the entity [lo, hi); returns the steps it reached. */
  walk(start: number, lo: number, hi: number, monotone: boolean): number {
    return this.spec.order === 'unordered' ? this.unordered(start, lo, hi, monotone) : this.ordered(start, lo, hi, monotone);
  }

  /** Ordered and strict attempts; fills times/moments and returns the depth reached. */
  private ordered(start: number, lo: number, hi: number, monotone: boolean): number {
    const { s } = this;
    this.times[0] = s.t[start]!;
    this.moments[0] = s.moment[start]!;
    // The start's own moment: its other events may follow it, in any order.
    let mlo = start;
    while (mlo > lo && s.moment[mlo - 1] === s.moment[start]) mlo -= 1;
    let mhi = start + 1;
    while (mhi < hi && s.moment[mhi] === s.moment[start]) mhi += 1;
    const most = this.extend(mlo, mhi, start, 1);
    if (this.spec.order === 'ordered') return this.follow(start, mhi, hi, most, monotone);
    if (most === 1) return this.followStrictly(start, mhi, hi, 1);
    // Strict: events of the start's moment that the chain does not take go before the start. Taking
    // fewer of them may let a later moment fit the chain whole, so each choice is tried: the deepest
    // chain wins, then the one done first, then the one taking most (its steps come earliest).
    let bestDepth = 0;
    let bestDone = 0;
    const times = this.bestTimes;
    const moments = this.bestMoments;
    for (let taken = most; taken >= 1; taken--) {
      for (let k = 1; k < taken; k++) {
        this.times[k] = s.t[start]!;
        this.moments[k] = s.moment[start]!;
      }
      const depth = this.followStrictly(start, mhi, hi, taken);
      const done = this.moments[depth - 1]!;
      if (depth > bestDepth || (depth === bestDepth && done < bestDone)) {
        bestDepth = depth;
        bestDone = done;
        times.set(this.times);
        moments.set(this.moments);
      }
    }
    this.times.set(times);
    this.moments.set(moments);
    return bestDepth;
  }

  /** Ordered: from moment-start i on, each moment takes as many next steps as it can. */
  private follow(start: number, i: number, hi: number, depth: number, monotone: boolean): number {
    const { s, spec } = this;
    const t0 = s.t[start]!;
    while (i < hi && depth < spec.steps) {
      let j = i + 1;
      while (j < hi && s.moment[j] === s.moment[i]) j += 1;
      if (s.t[i]! - t0 > spec.windowMs) {
        if (monotone) break;
      } else {
        depth = this.extend(i, j, -1, depth);
      }
      i = j;
    }
    return depth;
  }

  /** Strict: the chain goes on past a moment only when every event of it is one of the next steps. */
  private followStrictly(start: number, i: number, hi: number, depth: number): number {
    const { s, spec } = this;
    const t0 = s.t[start]!;
    while (i < hi && depth < spec.steps) {
      let j = i + 1;
      while (j < hi && s.moment[j] === s.moment[i]) j += 1;
      if (s.t[i]! - t0 > spec.windowMs) break;
      const before = depth;
      depth = this.extend(i, j, -1, depth);
      if (depth - before < j - i) break;
      i = j;
    }
    return depth;
  }

  /**
   * Matches steps depth, depth+1, … to distinct events of the moment [lo, hi) (not `skip`), as many
   * as can follow one another; records their times. Returns the new depth.
   */
  private extend(lo: number, hi: number, skip: number, depth: number): number {
    const { s, spec } = this;
    if (depth >= spec.steps) return depth;
    if (hi - lo === 1) {
      if (lo === skip || ((s.steps[lo]! >> depth) & 1) === 0) return depth;
      this.times[depth] = s.t[lo]!;
      this.moments[depth] = s.moment[lo]!;
      return depth + 1;
    }
    // Several events at once: a small bipartite matching (steps to events), one step at a time.
    const size = hi - lo;
    if (this.eventOwner.length < size) {
      this.eventOwner = new Int32Array(size * 2);
      this.eventSeen = new Uint8Array(size * 2);
    }
    this.eventOwner.fill(-1, 0, size);
    let k = depth;
    for (; k < spec.steps; k++) {
      this.eventSeen.fill(0, 0, size);
      if (!this.augmentEvent(k, lo, size, skip)) break;
      this.times[k] = s.t[lo]!;
      this.moments[k] = s.moment[lo]!;
    }
    return k;
  }

  /** Kuhn's augmenting path from step `step` over the events [lo, lo + size) of one moment (not `skip`). */
  private augmentEvent(step: number, lo: number, size: number, skip: number): boolean {
    const steps = this.s.steps;
    for (let j = 0; j < size; j++) {
      const e = lo + j;
      if (e === skip || this.eventSeen[j] === 1 || ((steps[e]! >> step) & 1) === 0) continue;
      this.eventSeen[j] = 1;
      const holder = this.eventOwner[j]!;
      if (holder === -1 || this.augmentEvent(holder, lo, size, skip)) {
        this.eventOwner[j] = step;
        return true;
      }
    }
    return false;
  }

  /**
   * Unordered attempts: the start, then the events after it in the window, each adding a different step
   * when a matching of steps to events grows. Fills times/moments (when the k-th step was done).
   */
  private unordered(start: number, lo: number, hi: number, monotone: boolean): number {
    const { s, spec } = this;
    const t0 = s.t[start]!;
    this.owner.fill(-1);
    let depth = this.take(start, 0);
    let mlo = start;
    while (mlo > lo && s.moment[mlo - 1] === s.moment[start]) mlo -= 1;
    for (let i = mlo; i < hi && depth < spec.steps; i++) {
      if (i === start) continue;
      if (s.t[i]! - t0 > spec.windowMs) {
        if (monotone) break;
        continue;
      }
      depth = this.take(i, depth);
    }
    return depth;
  }

  /** Unordered: event e adds a different step when the matching of steps to events grows; the new depth. */
  private take(e: number, depth: number): number {
    const { s } = this;
    if (s.steps[e] === 0) return depth;
    this.visited = 0;
    if (!this.augmentStep(e)) return depth;
    this.times[depth] = s.t[e]!;
    this.moments[depth] = s.moment[e]!;
    return depth + 1;
  }

  /** Kuhn's augmenting path from event e over the steps it matches. */
  private augmentStep(e: number): boolean {
    let bits = this.s.steps[e]!;
    while (bits !== 0) {
      const k = 31 - Math.clz32(bits & -bits);
      bits &= bits - 1;
      if (k >= this.spec.steps || (this.visited & (1 << k)) !== 0) continue;
      this.visited |= 1 << k;
      const holder = this.owner[k]!;
      if (holder === -1 || this.augmentStep(holder)) {
        this.owner[k] = e;
        return true;
      }
    }
    return false;
  }
}
