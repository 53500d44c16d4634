import { type TopicSpec } from '@wxpay/contracts';
import { type Platformatic, platformatic } from './platformatic';

export interface PartitionMarks {
  partition: number;
  /** The first offset still kept. */
  low: bigint;
  /** The offset the next message will get. */
  high: bigint;
}

export interface ConsumerGroupInfo {
  groupId: string;
  protocolType: string;
  members: { clientId: string; topics: string[] }[];
}

export interface CommittedOffset {
  topic: string;
  partition: number;
  /** -1 when the group never committed on this partition. */
  offset: bigint;
}

export interface TopicCreation {
  /** Copies of each partition (see libs/contracts' topicReplication). */
  replicationFactor?: number;
  /** In-sync copies an acks=all write needs, set on each topic so it holds whatever the brokers' defaults. */
  minInsyncReplicas?: number;
  /** How long to wait for every new partition to have a leader. */
  leaderTimeoutMs?: number;
}

const EARLIEST = -2n;
const LATEST = -1n;

/** Cluster administration this gateway needs: topics, offsets, consumer groups, and a health probe. */
export class KafkaAdmin {
  constructor(private readonly admin: Platformatic.Admin) {}

  listTopics(): Promise<string[]> {
    return this.admin.listTopics();
  }

  /** Brokers the cluster reports: the readiness probe (throws when no broker answers). */
  async brokerCount(): Promise<number> {
    const metadata = await this.admin.metadata({ topics: [] });
    return metadata.brokers.size;
  }

  /**
   * Creates the topics that do not exist yet and waits until each partition has a leader; returns their names.
   * Existing topics are left as they are: changing the partition count of a live topic would move keys.
   */
  async ensureTopics(specs: readonly TopicSpec[], creation: TopicCreation = {}): Promise<string[]> {
    const existing = new Set(await this.admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    const rf = creation.replicationFactor ?? 1;
    for (const spec of missing) {
      await this.admin
        .createTopics({
          topics: [spec.name],
          partitions: spec.partitions,
          replicas: rf,
          configs: [
            { name: 'retention.ms', value: String(spec.retentionMs) },
            { name: 'min.insync.replicas', value: String(creation.minInsyncReplicas ?? 1) },
          ],
        })
        .catch((e: unknown) => {
          // Another process created it meanwhile (two starts at once): that is the wanted end state.
          if (!/already exists/i.test(describe(e))) throw e;
        });
    }
    const names = missing.map((s) => s.name);
    if (names.length) await this.waitForLeaders(names, creation.leaderTimeoutMs ?? 60_000);
    return names;
  }

  async deleteTopics(names: readonly string[]): Promise<void> {
    if (names.length) await this.admin.deleteTopics({ topics: [...names] });
  }

  /** The low and high offsets of every partition of `topic`. */
  async partitionMarks(topic: string): Promise<PartitionMarks[]> {
    const metadata = await this.admin.metadata({ topics: [topic] });
    const count = metadata.topics.get(topic)?.partitionsCount ?? 0;
    const partitions = Array.from({ length: count }, (_, i) => i);
    const read = async (timestamp: bigint) => {
      const [answer] = await this.admin.listOffsets({
        topics: [
          { name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) },
        ],
      });
      return new Map((answer?.partitions ?? []).map((p) => [p.partitionIndex, p.offset] as const));
    };
    const [low, high] = await Promise.all([read(EARLIEST), read(LATEST)]);
    return partitions.map((partition) => ({
      partition,
      low: low.get(partition) ?? 0n,
      high: high.get(partition) ?? 0n,
    }));
  }

  /** Every classic consumer group with its members' client ids and assigned topics. */
  async consumerGroups(): Promise<ConsumerGroupInfo[]> {
    const listed = await this.admin.listGroups();
    const ids = [...listed.values()].filter((g) => g.protocolType === 'consumer').map((g) => g.id);
    if (ids.length === 0) return [];
    const described = await this.admin.describeGroups({ groups: ids });
    return [...described.values()].map((g) => ({
      groupId: g.id,
      protocolType: g.protocolType,
      members: [...g.members.values()].map((m) => ({
        clientId: m.clientId,
        topics: [...(m.assignments?.keys() ?? [])],
      })),
    }));
  }

  /** The group's committed offsets: on `topics`, or on every topic it committed on. */
  async committedOffsets(groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]> {
    let request: string | { groupId: string; topics: { name: string; partitionIndexes: number[] }[] } =
      groupId;
    if (topics) {
      const metadata = await this.admin.metadata({ topics: [...topics] });
      request = {
        groupId,
        topics: topics.map((name) => ({
          name,
          partitionIndexes: Array.from(
            { length: metadata.topics.get(name)?.partitionsCount ?? 0 },
            (_, i) => i,
          ),
        })),
      };
    }
    const [group] = await this.admin.listConsumerGroupOffsets({ groups: [request] });
    return (group?.topics ?? []).flatMap((t) =>
      t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset })),
    );
  }

  /**
   * Moves a group (with no live member) to the start or the end of a topic: a replay of the whole history, or a
   * group that should only see what is published from now on.
   */
  async moveGroup(groupId: string, topic: string, to: 'earliest' | 'latest'): Promise<void> {
    const marks = await this.partitionMarks(topic);
    await this.setGroupOffsets(
      groupId,
      topic,
      marks.map((m) => ({ partition: m.partition, offset: to === 'earliest' ? m.low : m.high })),
    );
  }

  /** Sets a group's committed offsets (the group must have no live member). */
  async setGroupOffsets(
    groupId: string,
    topic: string,
    offsets: readonly { partition: number; offset: bigint }[],
  ): Promise<void> {
    await this.admin.alterConsumerGroupOffsets({
      groupId,
      topics: [{ name: topic, partitionOffsets: offsets.map((o) => ({ ...o })) }],
    });
  }

  /** Deletes every record a topic holds now (a benchmark's leftovers); the topic and its offsets stay. */
  async truncateTopic(topic: string): Promise<void> {
    const marks = await this.partitionMarks(topic);
    await this.admin.deleteRecords({
      topics: [{ name: topic, partitions: marks.map((m) => ({ partition: m.partition, offset: m.high })) }],
    });
  }

  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    if (groupIds.length) await this.admin.deleteGroups({ groups: [...groupIds] });
  }

  async close(): Promise<void> {
    await this.admin.close();
  }

  /**
   * A broker that has just created a topic may not know every partition's leader yet (and a busy one may not
   * know the topic at all for a moment): metadata is asked again until every partition has one.
   */
  private async waitForLeaders(names: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pending = await this.withoutLeader(names).catch(() => names);
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        throw new Error(`topics without a leader after ${timeoutMs} ms: ${pending.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async withoutLeader(names: string[]): Promise<string[]> {
    const metadata = await this.admin.metadata({ topics: names, forceUpdate: true });
    return names.filter((name) => {
      const t = metadata.topics.get(name);
      return !t || t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0);
    });
  }
}

export function newAdmin(options: Platformatic.BaseOptions): Platformatic.Admin {
  return new platformatic.Admin(options);
}

function describe(e: unknown): string {
  if (e instanceof AggregateError) return e.errors.map(describe).join('; ');
  return e instanceof Error ? `${e.message} ${describe((e as { cause?: unknown }).cause ?? '')}` : String(e);
}
