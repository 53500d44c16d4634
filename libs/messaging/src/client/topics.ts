import { allTopicSpecs, type TopicSpec } from '@wxpay/contracts';
import pino, { type Logger } from 'pino';
import { type KafkaConnection, KafkaConfigError } from '../kafka-connection';
import { createKafka } from './kafka-client';

/** KAFKA_REPLICATION_FACTOR: copies of each partition of the topics this gateway creates (default 1). */
export function replicationFactorFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KAFKA_REPLICATION_FACTOR;
  if (raw === undefined || raw === '') return 1;
  if (!/^[1-9]\d*$/.test(raw)) throw new KafkaConfigError(['KAFKA_REPLICATION_FACTOR: a whole number ≥ 1']);
  return Number(raw);
}

/**
 * Creates every topic declared in libs/contracts (and its DLQ) that does not exist yet, `replicationFactor`
 * copies each; returns the names created.
 */
export async function ensureTopics(
  connection: KafkaConnection,
  specs: readonly TopicSpec[] = allTopicSpecs(),
  replicationFactor = replicationFactorFromEnv(),
  logger?: Logger,
): Promise<string[]> {
  const admin = createKafka({
    clientId: 'wxpay-topics',
    connection,
    logger: logger ?? pino({ enabled: false }),
  }).admin();
  try {
    return await admin.ensureTopics(specs, { replicationFactor });
  } finally {
    await admin.close();
  }
}
