import { type EventEnvelope } from '@wxpay/contracts';
import { failSpan, isTracing, withSpan, type Span } from '@wxpay/observability';
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

/** The transaction a chunk of events is applied in, with effects to run once it has committed or rolled back. */
export class ChunkTransaction {
  private readonly committed: (() => void)[] = [];
  private readonly rolledBack: (() => void)[] = [];

  constructor(readonly manager: EntityManager) {}

  onCommit(effect: () => void): void {
    this.committed.push(effect);
  }

  onRollback(effect: () => void): void {
    this.rolledBack.push(effect);
  }

  /** @internal */
  settle(ok: boolean, logger: Logger): void {
    // Rollback effects run newest first: they undo in-memory changes made in order.
    const effects = ok ? this.committed : [...this.rolledBack].reverse();
    for (const effect of effects) {
      try {
        effect();
      } catch (e) {
        logger.error({ error: e instanceof Error ? e.message : String(e) }, 'transaction effect failed');
      }
    }
  }
}

/**
 * What the consumer drives: `prepare` checks one event outside any transaction (throw NonRetriableError for one
 * that can never apply: it goes to the DLQ alone); `apply` applies fresh (never seen) events, in partition order,
 * inside the chunk's transaction.
 */
export interface BatchHandler<P> {
  prepare(event: EventEnvelope): P;
  apply(items: readonly { event: EventEnvelope; prepared: P }[], tx: ChunkTransaction): Promise<void>;
}

export interface BatchEventConsumerOptions<P> {
  kafka: KafkaClient;
  dataSource: DataSource;
  logger: Logger;
  groupId: string;
  topics: string[];
  handler: BatchHandler<P>;
  /** Events per transaction. */
  chunkSize?: number;
  maxAttempts?: number;
  retryBackoffMs?: number;
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  metrics?: MessagingMetrics;
  /** Checked before anything else: a message it refuses goes to the DLQ ('unverified') and changes nothing. */
  verifier?: EventVerifier;
}

type Outcome = 'processed' | 'duplicate' | 'dead-lettered';

interface Item<P> {
  message: ReceivedMessage;
  event: EventEnvelope;
  prepared: P;
}

/**
 * The idempotent inbox of EventConsumer (same inbox_message table, same DLQ topic and
 * headers, same retry-then-dead-letter policy), one transaction per chunk of up to `chunkSize` events instead of
 * one per event: the inbox rows are inserted in one statement and only events never seen before are applied. A
 * chunk that keeps failing is retried event by event, so one poison event goes to the DLQ and the rest apply.
 * Offsets are committed after the chunk's transaction. Chunks are applied one at a time (in partition order).
 */
export class BatchEventConsumer<P> {
  private consumer?: GroupConsumer;
  private dlq?: EventPublisher;
  private readonly counts: Record<Outcome, number> = { processed: 0, duplicate: 0, 'dead-lettered': 0 };
  private readonly chunkSize: number;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;

  constructor(private readonly opts: BatchEventConsumerOptions<P>) {
    this.chunkSize = opts.chunkSize ?? 500;
    this.maxAttempts = opts.maxAttempts ?? 3;
    this.retryBackoffMs = opts.retryBackoffMs ?? 200;
  }

  get stats(): Readonly<Record<Outcome, number>> {
    return { ...this.counts };
  }

  async start(): Promise<void> {
    const { consumer, dlq } = await startSubscribed(this.opts, {
      concurrency: 1,
      maxChunk: this.chunkSize,
      handle: (messages) => this.onChunk(messages),
    });
    this.consumer = consumer;
    this.dlq = dlq;
  }

  async stop(): Promise<void> {
    await this.consumer?.stop();
    await this.dlq?.close();
  }

  /** Up to `chunkSize` messages of one partition, in offset order; their offsets are committed after this. */
  private async onChunk(messages: ReceivedMessage[]): Promise<void> {
    const { topic, partition } = messages[0]!;
    const items: Item<P>[] = [];
    const seen = new Set<string>();
    for (const message of messages) {
      const admitted = admit(message, this.opts.verifier);
      if ('refusal' in admitted) {
        const { reason, error } = admitted.refusal;
        this.opts.logger.warn(
          { topic, partition, offset: message.offset, reason, error },
          'message sent to DLQ',
        );
        await this.deadLetter({ topic, partition, message, attempts: 0, reason, error }, undefined);
        continue;
      }
      const { event } = admitted;
      if (seen.has(event.id)) {
        this.count(topic, 'duplicate'); // the same event twice in one chunk
        continue;
      }
      seen.add(event.id);
      try {
        items.push({ message, event, prepared: this.opts.handler.prepare(event) });
      } catch (e) {
        if (!(e instanceof NonRetriableError)) throw e;
        this.opts.logger.warn(
          { topic, partition, offset: message.offset, eventId: event.id, error: describe(e) },
          'event refused',
        );
        await this.deadLetter(
          { topic, partition, message, attempts: 1, reason: 'non-retriable', error: describe(e) },
          event.id,
        );
      }
    }
    if (items.length) await this.applyChunk(items, topic, partition);
  }

  private async applyChunk(items: Item<P>[], topic: string, partition: number) {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      try {
        await this.transaction(items, topic, partition);
        return;
      } catch (e) {
        this.opts.logger.warn(
          { topic, partition, events: items.length, attempt, error: describe(e) },
          'chunk failed',
        );
        if (attempt < this.maxAttempts) await sleep(this.retryBackoffMs * 2 ** (attempt - 1));
      }
    }
    // The chunk keeps failing: apply its events one by one, so only the culprit is dead-lettered.
    for (const item of items) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.transaction([item], topic, partition);
          break;
        } catch (e) {
          const error = describe(e);
          if (e instanceof NonRetriableError || attempt >= this.maxAttempts) {
            const reason = e instanceof NonRetriableError ? 'non-retriable' : 'handler-failed';
            await this.deadLetter(
              { topic, partition, message: item.message, attempts: attempt, reason, error },
              item.event.id,
            );
            break;
          }
          await sleep(this.retryBackoffMs * 2 ** (attempt - 1));
        }
      }
    }
  }

  /**
   * One transaction, traced: a consumer span per event (each continues its own producer's trace). The chunk's
   * statements run inside the span when the chunk is one event (a quiet stream, or a retry event by event); a
   * chunk of many belongs to no single trace.
   */
  private async transaction(items: Item<P>[], topic: string, partition: number): Promise<void> {
    if (!isTracing()) return this.transactionOnce(items, topic, partition);
    const spans: (Span | undefined)[] = items.map((i) =>
      consumeSpan(topic, partition, this.opts.groupId, i.message),
    );
    try {
      await withSpan(spans.length === 1 ? spans[0] : undefined, () =>
        this.transactionOnce(items, topic, partition),
      );
    } catch (e) {
      spans.forEach((span) => failSpan(span, e));
      throw e;
    } finally {
      spans.forEach((span) => span?.end());
    }
  }

  /** One transaction: inbox rows for the chunk, then the handler for the events not seen before. */
  private async transactionOnce(items: Item<P>[], topic: string, partition: number): Promise<void> {
    let tx: ChunkTransaction | undefined;
    let fresh = 0;
    try {
      await this.opts.dataSource.transaction(async (manager) => {
        tx = new ChunkTransaction(manager);
        const rows = items.map((i) => ({
          consumer_group: this.opts.groupId,
          message_id: i.event.id,
          topic,
          kafka_partition: partition,
          kafka_offset: i.message.offset,
          outcome: 'processed',
        }));
        const inserted: { message_id: string }[] = await manager.query(
          `INSERT INTO inbox_message (consumer_group, message_id, topic, kafka_partition, kafka_offset, outcome)
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(consumer_group text, message_id text, topic text,
             kafka_partition integer, kafka_offset bigint, outcome text)
           ON CONFLICT DO NOTHING RETURNING message_id`,
          [JSON.stringify(rows)],
        );
        const ids = new Set(inserted.map((r) => r.message_id));
        const todo = items.filter((i) => ids.has(i.event.id));
        fresh = todo.length;
        if (todo.length) await this.opts.handler.apply(todo, tx);
      });
    } catch (e) {
      tx?.settle(false, this.opts.logger);
      throw e;
    }
    tx?.settle(true, this.opts.logger);
    this.count(topic, 'processed', fresh);
    this.count(topic, 'duplicate', items.length - fresh);
  }

  private async deadLetter(
    dl: Omit<DeadLetter, 'consumerGroup'>,
    eventId: string | undefined,
  ): Promise<void> {
    const published = await deadLetterOnce(
      this.opts.dataSource,
      this.dlq!,
      { ...dl, consumerGroup: this.opts.groupId },
      eventId,
    );
    if (published) this.metrics.deadLettered?.(dl);
    this.count(dl.topic, published ? 'dead-lettered' : 'duplicate');
  }

  private count(topic: string, outcome: Outcome, n = 1): void {
    if (n === 0) return;
    this.counts[outcome] += n;
    this.metrics.consumed(this.opts.groupId, topic, outcome, n);
  }

  private get metrics(): MessagingMetrics {
    return this.opts.metrics ?? NO_METRICS;
  }
}
