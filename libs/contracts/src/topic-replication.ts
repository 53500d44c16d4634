export interface TopicReplication {
  /** Copies of each partition. */
  readonly replicationFactor: number;
  /**
   * In-sync copies a write with acks=all needs (`min.insync.replicas`): one fewer than the copies, at most 2, so a
   * cluster of 3 keeps accepting writes with one broker down and never acknowledges a write held by one broker only.
   */
  readonly minInsyncReplicas: number;
}

/**
 * The replication of the topics created on a cluster of `brokerCount` brokers: KAFKA_REPLICATION_FACTOR when set
 * (`configured`, 1 to the broker count), otherwise min(3, broker count): 3 copies on a production-sized cluster,
 * 1 on a single development broker. The brokers' own defaults (kafka-local) and topic creation both use it.
 */
export function topicReplication(brokerCount: number, configured?: string): TopicReplication {
  if (!Number.isInteger(brokerCount) || brokerCount < 1) {
    throw new Error(`a Kafka cluster has at least one broker (got ${brokerCount})`);
  }
  let replicationFactor = Math.min(3, brokerCount);
  if (configured !== undefined && configured.trim() !== '') {
    const n = Number(configured);
    if (!Number.isInteger(n) || n < 1 || n > brokerCount) {
      throw new Error(
        `KAFKA_REPLICATION_FACTOR must be a whole number from 1 to the ${brokerCount} broker(s) (got '${configured}')`,
      );
    }
    replicationFactor = n;
  }
  return { replicationFactor, minInsyncReplicas: Math.max(1, Math.min(2, replicationFactor - 1)) };
}
