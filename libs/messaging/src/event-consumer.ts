import { type EventEnvelope } from '@wxpay/contracts';
import { failSpan, isTracing, withSpan } from '@wxpay/observability';
import { type Logger } from 'pino';
import { type DataSource, type EntityManager } from 'typeorm';
import { type GroupConsumer } from './client/group-consumer';
import { type KafkaClient } from './client/kafka-client';
import { type EventPublisher } from './client/publisher';
import { type ReceivedMessage } from './client/serde';
import { admit, deadLetterOnce, describeError as describe, sleep, startSubscribed } from './consumer-support';
import { consumeSpan } from './consume-span';
import { type DeadLetter } from './dead-letter';
import { NonRetriableError } from './errors';
import { type EventVerifier } from './event-signing';
import { NO_METRICS, type MessagingMetrics } from './messaging-metrics';

export interface HandlerContext {
  /** The transaction the inbox row is written in: the handler's writes commit or roll back with it. */
  manager: EntityManager;
  topic: string;
  partition: number;
  offset: string;
  attempt: number;
}

export type EventHandler = (event: EventEnvelope, ctx: HandlerContext) => Promise<void>;

export interface EventConsumerOptions {
  kafka: KafkaClient;
  dataSource: DataSource;
  logger: Logger;
  groupId: string;
  topics: string[];
  handler: EventHandler;
  /** Attempts before a failing message goes to the DLQ (the partition then moves on). */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt. Retries happen in place, heartbeating, to keep per-key order. */
  retryBackoffMs?: number;
  fromBeginning?: boolean;
  /** Partitions handled at once (each one's messages stay in order). */
  partitionsConsumedConcurrently?: number;
  sessionTimeoutMs?: number;
  metrics?: MessagingMetrics;
  /** Checked before anything else: a message it refuses goes to the DLQ ('unverified') and changes nothing. */
  verifier?: EventVerifier;
}

type Outcome = 'processed' | 'duplicate' | 'dead-lettered';

/**
 * Kafka consumer with an idempotent inbox. For each message, the message id is recorded in the same database
 * transaction as the handler's side effects; an id already recorded is skipped, so redelivery changes nothing.
 * The offset is committed only after that transaction. A message that does not parse, or keeps failing, goes to
 * `<topic>.dlq` with its error, and the partition keeps flowing.
 */
export class EventConsumer {
  private consumer?: GroupConsumer;
  private dlq?: EventPublisher;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  private readonly counts = { processed: 0, duplicate: 0, 'dead-lettered': 0 };

  constructor(private readonly opts: EventConsumerOptions) {
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.retryBackoffMs = opts.retryBackoffMs ?? 200;
  }

  get stats(): Readonly<Record<Outcome, number>> {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    const { consumer, dlq } = await startSubscribed(this.opts, {
      concurrency: this.opts.partitionsConsumedConcurrently ?? 1,
      maxChunk: 1,
      handle: ([message]) => (isTracing() ? this.tracedMessage(message!) : this.onMessage(message!)),
    });
    this.consumer = consumer;
    this.dlq = dlq;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.dlq?.close();
  }

  /** The message inside its consumer span: the handler's calls and events continue the producer's trace. */
  private async tracedMessage(message: ReceivedMessage): Promise<void> {
    const span = consumeSpan(message.topic, message.partition, this.opts.groupId, message);
    try {
      await withSpan(span, () => this.onMessage(message));
    } catch (e) {
      failSpan(span, e);
      throw e;
    } finally {
      span?.end();
    }
  }

  private async onMessage(message: ReceivedMessage): Promise<void> {
    const { topic, partition } = message;
    const base = { topic, partition, message, consumerGroup: this.opts.groupId };
    const admitted = admit(message, this.opts.verifier);
    if ('refusal' in admitted) {
      const { reason, error } = admitted.refusal;
      this.opts.logger.warn(
        { topic, partition, offset: message.offset, reason, error },
        'message sent to DLQ',
      );
      await this.deadLetter({ ...base, attempts: 0, reason, error }, undefined);
      return;
    }
    const { event } = admitted;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.applyOnce(event, { topic, partition, offset: message.offset, attempt });
        this.count(topic, outcome);
        return;
      } catch (e) {
        this.metrics.handlerFailed(this.opts.groupId, topic);
        const final = e instanceof NonRetriableError || attempt >= this.maxAttempts;
        const error = describe(e);
        this.opts.logger.warn(
          { topic, partition, offset: message.offset, eventId: event.id, attempt, error },
          'handler failed',
        );
        if (final) {
          const reason = e instanceof NonRetriableError ? 'non-retriable' : 'handler-failed';
          await this.deadLetter({ ...base, attempts: attempt, reason, error }, event.id);
          return;
        }
        await sleep(this.retryBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async applyOnce(event: EventEnvelope, where: Omit<HandlerContext, 'manager'>): Promise<Outcome> {
    return this.opts.dataSource.transaction(async (manager) => {
      const fresh = await this.recordInbox(manager, event.id, where, 'processed');
      if (!fresh) return 'duplicate';
      await this.opts.handler(event, { manager, ...where });
      return 'processed';
    });
  }

  private async recordInbox(
    manager: EntityManager,
    messageId: string,
    where: { topic: string; partition: number; offset: string },
    outcome: 'processed' | 'dead-lettered',
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO inbox_message (consumer_group, message_id, topic, kafka_partition, kafka_offset, outcome)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1`,
      [this.opts.groupId, messageId, where.topic, where.partition, where.offset, outcome],
    );
    return rows.length > 0;
  }

  private async deadLetter(dl: DeadLetter, eventId: string | undefined): Promise<void> {
    const published = await deadLetterOnce(this.opts.dataSource, this.dlq!, dl, eventId);
    if (published) this.metrics.deadLettered?.(dl);
    this.count(dl.topic, published ? 'dead-lettered' : 'duplicate');
  }

  private count(topic: string, outcome: Outcome): void {
    this.counts[outcome]++;
    this.metrics.consumed(this.opts.groupId, topic, outcome);
  }

  private get metrics(): MessagingMetrics {
    return this.opts.metrics ?? NO_METRICS;
  }
}

/** Deletes inbox rows older than the topics' retention: Kafka cannot redeliver anything older. */
export async function pruneInbox(dataSource: DataSource, olderThanMs: number): Promise<number> {
  const result: [unknown[], number] = await dataSource.query(
    `DELETE FROM inbox_message WHERE processed_at < now() - ($1::bigint * interval '1 millisecond')`,
    [olderThanMs],
  );
  return result[1];
}
