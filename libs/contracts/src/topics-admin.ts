import { allTopicSpecs, type TopicSpec } from './topics';
import { Kafka, logLevel } from 'kafkajs';

/**
 * Creates every topic declared in libs/contracts (and its DLQ) that does not exist yet; returns the names created.
 * Existing topics are left as they are: changing partition counts of a live topic would reorder keys.
 */
export async function ensureTopics(
  brokers: string[],
  specs: TopicSpec[] = allTopicSpecs(),
): Promise<string[]> {
  const admin = new Kafka({ clientId: 'wxpay-topics', brokers, logLevel: logLevel.WARN }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor: 1,
        configEntries: [{ name: 'retention.ms', value: String(s.retentionMs) }],
      })),
    });
    return missing.map((s) => s.name);
  } finally {
    await admin.disconnect();
  }
}
