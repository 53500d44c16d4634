import { allTopicSpecs, topicReplication, type TopicSpec } from '@wxpay/contracts';
import { type Logger } from 'pino';
import { type KafkaConnection } from '../kafka-connection';
import { createKafka } from './kafka-client';

/**
 * Creates every topic declared in libs/contracts (and its DLQ) that does not exist yet; returns the names created.
 * The replication is topicReplication(the cluster's broker count, KAFKA_REPLICATION_FACTOR): 3 copies with
 * min.insync.replicas 2 on a cluster of three or more, 1 on a single development broker.
 */
export async function ensureTopics(
  connection: KafkaConnection,
  specs: readonly TopicSpec[] = allTopicSpecs(),
  replicationSetting: string | undefined = process.env.KAFKA_REPLICATION_FACTOR,
  logger?: Logger,
): Promise<string[]> {
  const admin = createKafka({
    clientId: 'wxpay-topics',
    connection,
    logger,
  }).admin();
  try {
    const replication = topicReplication(await admin.brokerCount(), replicationSetting);
    return await admin.ensureTopics(specs, replication);
  } finally {
    await admin.close();
  }
}
