import { allTopicSpecs, type TopicSpec } from './topics';
import { Kafka, logLevel } from 'kafkajs';
import { topicReplication } from './topic-replication';
import { waitForLeaders } from './topic-leaders';

/**
 * Where topics are created: the brokers and, on a secured cluster, TLS with a client certificate allowed to create
 * topics (the same shape as messaging's KafkaConnection, which this library cannot import). A bare broker list
 * connects in the clear (PLAINTEXT, development only).
 */
export interface TopicAdminConnection {
  brokers: string[];
  tls?: { ca: string; cert?: string; key?: string };
}

/**
 * Creates every topic declared in libs/contracts (and its DLQ) that does not exist yet; returns the names created.
 * Existing topics are left as they are: changing partition counts of a live topic would reorder keys. The
 * replication is topicReplication(broker count, KAFKA_REPLICATION_FACTOR), with min.insync.replicas set on each
 * topic so a topic keeps its guarantee whatever the brokers' defaults.
 */
export async function ensureTopics(
  target: string[] | TopicAdminConnection,
  specs: TopicSpec[] = allTopicSpecs(),
  replicationSetting: string | undefined = process.env.KAFKA_REPLICATION_FACTOR,
): Promise<string[]> {
  const connection = Array.isArray(target) ? { brokers: target } : target;
  const { tls } = connection;
  // Quiet: kafkajs logs every UNKNOWN_TOPIC_OR_PARTITION answer while waitForLeaders waits through them as an
  // ERROR; a real failure is thrown to the caller with its reason.
  const admin = new Kafka({
    clientId: 'wxpay-topics',
    brokers: connection.brokers,
    logLevel: logLevel.NOTHING,
    ...(tls ? { ssl: { ca: [tls.ca], cert: tls.cert, key: tls.key, rejectUnauthorized: true } } : {}),
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.name));
    if (missing.length === 0) return [];
    const { brokers } = await admin.describeCluster();
    const { replicationFactor, minInsyncReplicas } = topicReplication(brokers.length, replicationSetting);
    // Not kafkajs's own `waitForLeaders`: it retries only LEADER_NOT_AVAILABLE, but a busy broker's metadata may
    // not know a topic it has just created yet and answers UNKNOWN_TOPIC_OR_PARTITION, which kafkajs 2.2.4 throws
    // (seen in CI as "This server does not host this topic-partition").
    await admin.createTopics({
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.name,
        numPartitions: s.partitions,
        replicationFactor,
        configEntries: [
          { name: 'retention.ms', value: String(s.retentionMs) },
          { name: 'min.insync.replicas', value: String(minInsyncReplicas) },
        ],
      })),
    });
    const names = missing.map((s) => s.name);
    await waitForLeaders(admin, names);
    return names;
  } finally {
    await admin.disconnect();
  }
}
