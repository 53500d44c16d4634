export {
  appendToOutbox,
  appendManyToOutbox,
  envelopeRecord,
  outboxInsertSql,
  outboxRecord,
  OUTBOX_CHANNEL,
  type NewEvent,
  type OutboxRecord,
} from './outbox-writer';
export { OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
export {
  EventConsumer,
  pruneInbox,
  type EventConsumerOptions,
  type EventHandler,
  type HandlerContext,
} from './event-consumer';
export {
  publishDeadLetter,
  deadLetterCounter,
  DEAD_LETTERS,
  DLQ_HEADERS,
  type DeadLetter,
  type DeadLetterCounter,
} from './dead-letter';
export {
  ConsumerLagPoller,
  CONSUMER_LAG,
  lagIntervalMs,
  type ConsumerLagOptions,
  type PartitionLag,
} from './consumer-lag';
export {
  registerOutboxBacklog,
  OUTBOX_BACKLOG,
  OUTBOX_BACKLOG_CAP,
  OUTBOX_OLDEST_AGE,
} from './outbox-backlog';
export { NonRetriableError, OutboxValidationError } from './errors';
export { createKafka, KafkaClient, type KafkaClientConfig } from './client/kafka-client';
export {
  brokersFromEnv,
  isPlaintext,
  kafkaConnectionFromEnv,
  KafkaConfigError,
  type KafkaConnection,
  type KafkaSaslMechanism,
  type KafkaSecurityProtocol,
} from './kafka-connection';
export {
  KafkaAdmin,
  type CommittedOffset,
  type ConsumerGroupInfo,
  type PartitionMarks,
  type TopicCreation,
} from './client/admin';
export { EventPublisher, type OutgoingMessage } from './client/publisher';
export { type ReceivedMessage } from './client/serde';
export { readTopic, type ReadOptions } from './client/topic-reader';
export { ensureTopics } from './client/topics';
export {
  EVENT_SIGNING_ENV,
  EventSigner,
  EventSigningConfigError,
  EventVerificationError,
  EventVerifier,
  SIGNATURE_HEADERS,
  eventSignerFromEnv,
  eventVerifierFromEnv,
  headerText,
  parsePublicKey,
  parseSignersFile,
  parseSigningKey,
  producersOfTopics,
  requiresEventSigning,
  type ProducersOf,
  type SignerKeys,
  type VerificationProblem,
} from './event-signing';
export { CreateMessagingTables1732500000000 } from './messaging-tables.migration';
export { OutboxTraceparent1734100000000 } from './outbox-traceparent.migration';
export { OutboxPendingOnly1734200000000 } from './outbox-pending-only.migration';
export { MESSAGING_MIGRATIONS } from './messaging-migrations';
export { messagingMetrics, NO_METRICS, type MessagingMetrics } from './messaging-metrics';
export {
  BatchEventConsumer,
  ChunkTransaction,
  type BatchEventConsumerOptions,
  type BatchHandler,
} from './batch-event-consumer';
export { ensureAcls, removeAcls, type AclSync } from './client/acl-admin';
