import { allTopicSpecs, type TopicSpec } from './topics';
import { Kafka, logLevel } from 'kafkajs';
import { waitForLeaders } from './topic-leaders';

/**
 * Creates every topic declared in libs/contracts (and its DLQ) that does not exist yet; returns the names created.
 * Existing topics are left as they are: changing partition counts of a live topic would reorder keys.
 */
export async function ensureTopics(
  brokers: string[],
  specs: TopicSpec[] = allTopicSpecs(),
): Promise<string[]> {
  // Quiet: kafkajs logs every UNKNOWN_TOPIC_OR_PARTITION answer while waitForLeaders waits through them as an
  // ERROR; a real failure is thrown to the caller with its reason.
  const admin = new Kafka({ clientId: 'wxpay-topics', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    // Not kafkajs's own `waitForLeaders`: it retries only LEADER_NOT_AVAILABLE, but a busy broker's metadata may
    // not know a topic it has just created yet and answers UNKNOWN_TOPIC_OR_PARTITION, which kafkajs 2.2.4 throws
    // (seen in CI as "This server does not host this topic-partition").
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: String(s.retentionMs) }],
      })),
    });
    const names = missing.map((s) => s.name);
    await waitForLeaders(admin, names);
    return names;
  } finally {
    await admin.disconnect();
  }
}
