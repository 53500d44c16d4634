import { type Logger, type Metrics } from '@wxpay/observability';
import { type KafkaAdmin } from './client/admin';

export const CONSUMER_LAG = 'wxpay_consumer_lag';

/** The interval's bounds: tighter polling loads the brokers' coordinators, looser makes the alert late. */
export const LAG_INTERVAL_BOUNDS_MS = { min: 1000, max: 300_000, default: 15_000 } as const;

export interface ConsumerLagOptions {
  /** An admin client of the poller's own, closed by stop(). */
  admin: KafkaAdmin;
  metrics: Metrics;
  logger: Logger;
  /** Groups whose members use this Kafka client id are this service's (createKafka sets it to the service). */
  clientId: string;
  /** Groups reported even when none of their members is connected (found or not by the client id). */
  groups?: readonly string[];
  intervalMs?: number;
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

export function lagIntervalMs(value: number | undefined): number {
  if (value === undefined || !Number.isFinite(value)) return LAG_INTERVAL_BOUNDS_MS.default;
  return Math.min(LAG_INTERVAL_BOUNDS_MS.max, Math.max(LAG_INTERVAL_BOUNDS_MS.min, Math.round(value)));
}

/**
 * `wxpay_consumer_lag{group,topic,partition}`: messages behind the high-water mark per partition, from the
 * group's committed offsets (a partition the group never committed counts from the low-water mark: the consumers
 * start from the beginning). Groups are this service's own, found by their members' client id and remembered, so
 * a group whose consumer died inside a live process keeps being reported: its lag is the one that grows. Every
 * replica reports the same figures (alert on max by group, topic, partition). A failed poll drops the series
 * rather than leave stale figures that look healthy.
 */
export class ConsumerLagPoller {
  private readonly gauge;
  private readonly groups = new Set<string>();
  /** Groups seen with members, none of them this service's: not described again (a shared cluster has many). */
  private readonly foreign = new Set<string>();
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private stopped = true;
  private warned = false;

  constructor(private readonly o: ConsumerLagOptions) {
    this.gauge = o.metrics.gauge({
      name: CONSUMER_LAG,
      help: 'Messages a consumer group has not committed yet, per partition (high-water mark minus committed offset)',
      labelNames: ['group', 'topic', 'partition'],
    });
    for (const g of o.groups ?? []) this.groups.add(g);
    this.intervalMs = lagIntervalMs(o.intervalMs);
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.polling;
    await this.o.admin.close().catch(() => undefined);
  }

  /** One round: find the groups, read their lag, replace the series at once (no scrape sees half a round). */
  async poll(): Promise<PartitionLag[]> {
    const assigned = await this.discover();
    const lags: PartitionLag[] = [];
    for (const group of [...this.groups].sort())
      lags.push(...(await this.groupLag(group, assigned.get(group))));
    this.gauge.reset();
    for (const l of lags) {
      this.gauge.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, l.lag);
    }
    return lags;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.polling = this.poll()
        .then(() => {
          this.warned = false;
        })
        .catch((e: unknown) => {
          this.gauge.reset();
          // Once per outage: a broker away for an hour would otherwise log every interval.
          if (!this.warned) {
            this.warned = true;
            this.o.logger.warn(
              { error: e instanceof Error ? e.message : String(e) },
              'consumer lag not read',
            );
          }
        })
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  /** This service's groups (remembered) and the topics their live members are assigned. */
  private async discover(): Promise<Map<string, Set<string>>> {
    const assigned = new Map<string, Set<string>>();
    for (const g of await this.o.admin.consumerGroups()) {
      if (this.foreign.has(g.groupId)) continue;
      if (!g.members.some((m) => m.clientId === this.o.clientId)) {
        if (g.members.length > 0 && !this.groups.has(g.groupId)) this.foreign.add(g.groupId);
        continue;
      }
      this.groups.add(g.groupId);
      const topics = assigned.get(g.groupId) ?? new Set<string>();
      for (const m of g.members) for (const t of m.topics) topics.add(t);
      assigned.set(g.groupId, topics);
    }
    return assigned;
  }

  private async groupLag(group: string, assigned: Set<string> | undefined): Promise<PartitionLag[]> {
    // Committed topics first (all of them when the group has no live member), then every partition of each.
    const committed = await this.o.admin.committedOffsets(group);
    const topics = [...new Set([...committed.map((t) => t.topic), ...(assigned ?? [])])].sort();
    if (topics.length === 0) return [];
    const offsets = await this.o.admin.committedOffsets(group, topics);
    const lags: PartitionLag[] = [];
    for (const topic of topics) {
      const marks = new Map((await this.o.admin.partitionMarks(topic)).map((p) => [p.partition, p] as const));
      for (const p of offsets.filter((o) => o.topic === topic)) {
        const mark = marks.get(p.partition);
        if (!mark) continue;
        const at = p.offset >= 0n ? p.offset : mark.low;
        lags.push({ group, topic, partition: p.partition, lag: Math.max(0, Number(mark.high - at)) });
      }
    }
    return lags;
  }
}
