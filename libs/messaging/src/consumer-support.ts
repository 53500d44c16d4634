import { maskPans } from '@wxpay/card';
import { Partitioners, type Consumer, type Kafka, type Producer } from 'kafkajs';
import { type DataSource } from 'typeorm';
import { publishDeadLetter, type DeadLetter } from './dead-letter';

/** What both inbox consumers (per message and per chunk) share: their Kafka clients and the dead-letter rule. */

/** The subscription both inbox consumers start from. */
export interface GroupSubscription {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

/** The group consumer and its dead-letter producer, connected, subscribed and ready for `run`. */
export async function connectSubscribed(
  s: GroupSubscription,
): Promise<{ consumer: Consumer; dlqProducer: Producer }> {
  const dlqProducer = createDlqProducer(s.kafka);
  const consumer = createGroupConsumer(s.kafka, s.groupId, s.sessionTimeoutMs);
  try {
    await Promise.all([dlqProducer.connect(), consumer.connect()]);
    await consumer.subscribe({ topics: s.topics, fromBeginning: s.fromBeginning ?? true });
  } catch (e) {
    // Nothing half-connected is left behind for the caller, which holds neither client yet.
    await Promise.allSettled([consumer.disconnect(), dlqProducer.disconnect()]);
    throw e;
  }
  return { consumer, dlqProducer };
}

function createDlqProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
}

function createGroupConsumer(kafka: Kafka, groupId: string, sessionTimeoutMs = 10_000): Consumer {
  return kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeoutMs / 3)),
  });
}

/**
 * Publishes to the DLQ, then records the id as dead-lettered, so a redelivery after a crash is skipped rather than
 * dead-lettered twice. Messages without a valid id are keyed by their position. Returns false for a redelivery.
 */
export async function deadLetterOnce(
  dataSource: DataSource,
  producer: Producer,
  dl: DeadLetter,
  eventId: string | undefined,
): Promise<boolean> {
  const messageId = eventId ?? `${dl.topic}/${dl.partition}/${dl.message.offset}`;
  const already: unknown[] = await dataSource.query(
    `SELECT 1 FROM inbox_message WHERE consumer_group = $1 AND message_id = $2`,
    [dl.consumerGroup, messageId],
  );
  if (already.length > 0) return false;
  await publishDeadLetter(producer, dl);
  await dataSource.query(
    `INSERT INTO inbox_message (consumer_group, message_id, topic, kafka_partition, kafka_offset, outcome)
     VALUES ($1, $2, $3, $4, $5, 'dead-lettered') ON CONFLICT DO NOTHING`,
    [dl.consumerGroup, messageId, dl.topic, dl.partition, dl.message.offset],
  );
  return true;
}

/** Error text for logs and DLQ headers: never a card number, whatever the handler put in its message. */
export function describeError(e: unknown): string {
  return maskPans(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}

export async function sleepWithHeartbeat(ms: number, heartbeat: () => Promise<void>): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(1000, until - Date.now())));
    await heartbeat();
  }
}
