import { maskPans } from '@wxpay/card';
import { EnvelopeValidationError, parseEnvelope, type EventEnvelope } from '@wxpay/contracts';
import { type DataSource } from 'typeorm';
import { type GroupConsumer } from './client/group-consumer';
import { type KafkaClient } from './client/kafka-client';
import { type EventPublisher } from './client/publisher';
import { type ReceivedMessage } from './client/serde';
import { publishDeadLetter, type DeadLetter } from './dead-letter';
import { verificationRefusal, type EventVerifier } from './event-signing';

/** What both inbox consumers (per message and per chunk) share: their Kafka clients and the dead-letter rule. */

/** The subscription both inbox consumers start from. */
export interface GroupSubscription {
  kafka: KafkaClient;
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
}

export interface Handling {
  concurrency: number;
  maxChunk: number;
  handle: (chunk: ReceivedMessage[]) => Promise<void>;
}

/** The group member and its dead-letter publisher; the member is started (joined, reading) when this returns. */
export async function startSubscribed(
  s: GroupSubscription,
  handling: Handling,
): Promise<{ consumer: GroupConsumer; dlq: EventPublisher }> {
  const dlq = s.kafka.publisher();
  const consumer = s.kafka.groupConsumer({
    groupId: s.groupId,
    topics: s.topics,
    fromBeginning: s.fromBeginning ?? true,
    sessionTimeoutMs: s.sessionTimeoutMs,
    ...handling,
  });
  try {
    await consumer.start();
  } catch (e) {
    // Nothing half-connected is left behind for the caller, which holds neither client yet.
    await dlq.close().catch(() => undefined);
    throw e;
  }
  return { consumer, dlq };
}

/**
 * Publishes to the DLQ, then records the id as dead-lettered, so a redelivery after a crash is skipped rather than
 * dead-lettered twice. Messages without a valid id are keyed by their position. Returns false for a redelivery.
 */
export async function deadLetterOnce(
  dataSource: DataSource,
  publisher: EventPublisher,
  dl: DeadLetter,
  eventId: string | undefined,
): Promise<boolean> {
  const messageId = eventId ?? `${dl.topic}/${dl.partition}/${dl.message.offset}`;
  const already: unknown[] = await dataSource.query(
    `SELECT 1 FROM inbox_message WHERE consumer_group = $1 AND message_id = $2`,
    [dl.consumerGroup, messageId],
  );
  if (already.length > 0) return false;
  await publishDeadLetter(publisher, dl);
  await dataSource.query(
    `INSERT INTO inbox_message (consumer_group, message_id, topic, kafka_partition, kafka_offset, outcome)
     VALUES ($1, $2, $3, $4, $5, 'dead-lettered') ON CONFLICT DO NOTHING`,
    [dl.consumerGroup, messageId, dl.topic, dl.partition, dl.message.offset],
  );
  return true;
}

/** A message both inbox consumers refuse before any handler sees it, and why. */
export interface Refusal {
  reason: 'unverified' | 'invalid-envelope';
  error: string;
}

/**
 * The event a message carries, or why it goes straight to the DLQ: the signature is checked first (a forgery is
 * refused before its content is even parsed), then the envelope.
 */
export function admit(
  message: ReceivedMessage,
  verifier: EventVerifier | undefined,
): { event: EventEnvelope } | { refusal: Refusal } {
  const unverified = verifier && verificationRefusal(verifier, message.topic, message);
  if (unverified) return { refusal: { reason: 'unverified', error: unverified } };
  try {
    return { event: parseEnvelope(message.value) };
  } catch (e) {
    const error = e instanceof EnvelopeValidationError ? e.message : describeError(e);
    return { refusal: { reason: 'invalid-envelope', error } };
  }
}

/** Error text for logs and DLQ headers: never a card number, whatever the handler put in its message. */
export function describeError(e: unknown): string {
  return maskPans(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
}

/** A retry's backoff; the client heartbeats on its own timer meanwhile, so the partitions stay this member's. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
