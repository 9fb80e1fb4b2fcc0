/** What a worker reports on /healthz: whether it consumes, what it owns, and what went wrong last. */
export type WorkerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'failed';

export interface WorkerHealthReport {
  status: WorkerState;
  topic: string;
  group: string;
  partitions: number[];
  /** Partitions whose batch could not be written and is held, waiting to be written again. */
  retrying: number[];
  last_commit_at: string | null;
  last_error: { code: string | null; message: string; at: string } | null;
}

export class WorkerHealth {
  state: WorkerState = 'starting';
  private partitions: number[] = [];
  private readonly retrying = new Set<number>();
  private lastCommitAt: number | null = null;
  private lastError: WorkerHealthReport['last_error'] = null;

  constructor(
    private readonly topic: string,
    private readonly group: string,
  ) {}

  assigned(partitions: readonly number[]): void {
    this.partitions = [...partitions].sort((a, b) => a - b);
    for (const p of this.retrying) if (!partitions.includes(p)) this.retrying.delete(p);
    if (this.state === 'starting') this.state = 'running';
  }

  committed(partition: number): void {
    this.retrying.delete(partition);
    this.lastCommitAt = Date.now();
  }

  writeFailed(partition: number, err: unknown): void {
    this.retrying.add(partition);
    this.error(err);
  }

  error(err: unknown): void {
    const e = err as { code?: unknown; message?: unknown };
    this.lastError = { code: typeof e?.code === 'string' ? e.code : null, message: String(e?.message ?? err), at: new Date().toISOString() };
  }

  /** 200 on /healthz only while consuming. */
  get ok(): boolean {
    return this.state === 'running';
  }

  report(): WorkerHealthReport {
    return {
      status: this.state,
      topic: this.topic,
      group: this.group,
      partitions: this.partitions,
      retrying: [...this.retrying].sort((a, b) => a - b),
      last_commit_at: this.lastCommitAt === null ? null : new Date(this.lastCommitAt).toISOString(),
      last_error: this.lastError,
    };
  }
}
