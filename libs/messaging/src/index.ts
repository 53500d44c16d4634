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
export { publishDeadLetter, DLQ_HEADERS, type DeadLetter } from './dead-letter';
export { NonRetriableError, OutboxValidationError } from './errors';
export { createKafka, brokersFromEnv, kafkajsLogCreator, type KafkaClientConfig } from './kafka-client';
export { CreateMessagingTables1732500000000 } from './messaging-tables.migration';
export { messagingMetrics, NO_METRICS, type MessagingMetrics } from './messaging-metrics';
export {
  BatchEventConsumer,
  ChunkTransaction,
  type BatchEventConsumerOptions,
  type BatchHandler,
} from './batch-event-consumer';
