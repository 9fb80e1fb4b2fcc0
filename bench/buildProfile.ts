/**
 * The steps of a bench store's build and each one's share of it: on a loaded machine the seconds say
 * little, the shares of one run still say which step dominates (docs/scaling.md).
 */
export class BuildProfile {
  private readonly steps: [string, number][] = [];

  constructor(private readonly log: (s: string) => void) {}

  add(step: string, ms: number): void {
    this.steps.push([step, ms]);
    this.log(`  ${step}: ${(ms / 1000).toFixed(1)} s`);
  }

  async time<T>(step: string, work: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const out = await work();
    this.add(step, performance.now() - t0);
    return out;
  }

  /** One line per step with its share of the steps' total. */
  report(): void {
    const total = this.steps.reduce((sum, [, ms]) => sum + ms, 0);
    this.log(`  build profile (${(total / 1000).toFixed(1)} s in these steps):`);
    for (const [step, ms] of this.steps) this.log(`    ${((100 * ms) / total).toFixed(1).padStart(5)} %  ${step}`);
  }
}
