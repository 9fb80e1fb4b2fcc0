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

  constructor(
    private readonly s: EventStream,
    private readonly spec: Pick<MatchSpec, 'order' | 'steps' | 'windowMs'>,
  ) {
    this.times = new Float64Array(spec.steps);
    this.moments = new Int32Array(spec.steps);
    this.owner = new Int32Array(spec.steps);
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
    const times = new Float64Array(this.spec.steps);
    const moments = new Int32Array(this.spec.steps);
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
    const owner = new Int32Array(size).fill(-1);
    const seen = new Uint8Array(size);
    const augment = (step: number): boolean => {
      for (let j = 0; j < size; j++) {
        const e = lo + j;
        if (e === skip || seen[j] === 1 || ((s.steps[e]! >> step) & 1) === 0) continue;
        seen[j] = 1;
        if (owner[j] === -1 || augment(owner[j]!)) {
          owner[j] = step;
          return true;
        }
      }
      return false;
    };
    let k = depth;
    for (; k < spec.steps; k++) {
      seen.fill(0);
      if (!augment(k)) break;
      this.times[k] = s.t[lo]!;
      this.moments[k] = s.moment[lo]!;
    }
    return k;
  }

  /**
   * Unordered attempts: the start, then the events after it in the window, each adding a different step
   * when a matching of steps to events grows. Fills times/moments (when the k-th step was done).
   */
  private unordered(start: number, lo: number, hi: number, monotone: boolean): number {
    const { s, spec } = this;
    const t0 = s.t[start]!;
    this.owner.fill(-1);
    let depth = 0;
    const take = (e: number) => {
      if (s.steps[e] === 0) return;
      this.visited = 0;
      if (!this.augmentStep(e)) return;
      this.times[depth] = s.t[e]!;
      this.moments[depth] = s.moment[e]!;
      depth += 1;
    };
    take(start);
    let mlo = start;
    while (mlo > lo && s.moment[mlo - 1] === s.moment[start]) mlo -= 1;
    for (let i = mlo; i < hi && depth < spec.steps; i++) {
      if (i === start) continue;
      if (s.t[i]! - t0 > spec.windowMs) {
        if (monotone) break;
        continue;
      }
      take(i);
    }
    return depth;
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
