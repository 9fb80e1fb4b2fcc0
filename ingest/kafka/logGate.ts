import type { Logger } from 'pino';

/**
 * Answers a Kafka cluster gives in its normal life: a partition whose leader is being elected (every new
 * topic, every broker restart), a group coordinator loading or moving. kafkajs logs each at `error` and
 * retries it; it is not one.
 */
const TRANSIENT: readonly [kind: string, pattern: RegExp][] = [
  ['not the leader', /not the leader for that topic-partition|NOT_LEADER/i],
  ['no leader yet', /no leader for this topic-partition|leader not available|LEADER_NOT_AVAILABLE/i],
  ['partition not hosted yet', /does not host this topic-partition|UNKNOWN_TOPIC_OR_PARTITION/i],
  [
    'coordinator moving',
    /coordinator is not available|coordinator is loading|not (the )?coordinator|COORDINATOR_(NOT_AVAILABLE|LOAD_IN_PROGRESS)|NOT_COORDINATOR/i,
  ],
  ['group rebalancing', /group is rebalancing|REBALANCE_IN_PROGRESS/i],
];

/** The cluster cannot be reached: the start of an outage (or a broker address that is wrong). */
const UNREACHABLE =
  /Connection error|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|Connection timeout|Failed to connect|Broker not connected|Closed connection|KafkaJSConnectionError|socket hang up/i;

/** Info lines of the client that need the cluster's answer ("Starting" and "Stopped" do not). */
const RECOVERED = /has joined the group/i;

/** A transient burst is summed up this long after its first answer. */
const BURST_MS = 2_000;

export interface GateEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  message: string;
  fields: Record<string, unknown>;
}

/**
 * Turns the Kafka client's log stream into lines worth reading: expected transient answers become one
 * `warn` per burst with a count per kind; an outage is one `error` when it starts (the first connection
 * failure) and one `info` when it ends (a consumer joined its group, or reachable() was called), with
 * what was held back counted; everything else passes as it is. What is held back goes to `debug`.
 */
export class KafkaLogGate {
  private burst = new Map<string, number>();
  private burstTimer: NodeJS.Timeout | null = null;
  private outage: { since: number; errors: number } | null = null;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
    private readonly schedule: (fn: () => void, ms: number) => NodeJS.Timeout | null = (fn, ms) => setTimeout(fn, ms).unref(),
  ) {}

  write({ level, message, fields }: GateEntry): void {
    const text = `${message} ${typeof fields.error === 'string' ? fields.error : ''}`;
    if (level === 'error' || level === 'warn') {
      if (UNREACHABLE.test(text)) return this.unreachable(message, fields);
      if (this.outage) {
        // While the cluster is away the client's other errors (crashes, restarts) say the same thing again.
        this.outage.errors += 1;
        return this.log.debug(fields, message);
      }
      const kind = TRANSIENT.find(([, p]) => p.test(text))?.[0];
      if (kind !== undefined) return this.transient(kind, message, fields);
    } else if (level === 'info' && RECOVERED.test(message)) {
      this.reachable();
    }
    this.log[level](fields, message);
  }

  /** The cluster answered (a consumer got its partitions, a send was acknowledged): ends an outage. */
  reachable(): void {
    if (!this.outage) return;
    const { since, errors } = this.outage;
    this.outage = null;
    this.log.info({ kafkajs: 'carrello', down_ms: this.now() - since, errors_held_back: errors }, 'Kafka reachable again');
  }

  /** Logs the transient burst now (the timer does it BURST_MS after its first answer). */
  flush(): void {
    if (this.burstTimer) clearTimeout(this.burstTimer);
    this.burstTimer = null;
    if (this.burst.size === 0) return;
    const counts = Object.fromEntries(this.burst);
    const total = [...this.burst.values()].reduce((a, b) => a + b, 0);
    this.burst = new Map();
    this.log.warn({ kafkajs: 'carrello', count: total, by_kind: counts }, `Kafka: ${total} transient answer(s) (leader elections, coordinator moves), retried`);
  }

  private transient(kind: string, message: string, fields: Record<string, unknown>): void {
    this.log.debug(fields, message);
    this.burst.set(kind, (this.burst.get(kind) ?? 0) + 1);
    this.burstTimer ??= this.schedule(() => this.flush(), BURST_MS);
  }

  private unreachable(message: string, fields: Record<string, unknown>): void {
    if (this.outage) {
      this.outage.errors += 1;
      this.log.debug(fields, message);
      return;
    }
    this.outage = { since: this.now(), errors: 0 };
    const { stack: _stack, ...rest } = fields;
    this.log.error(rest, `Kafka unreachable: ${message}; retrying (one line when it is back, the retries at debug)`);
  }
}
