import { Client } from 'pg';
import {
  failSpan,
  injectTraceContext,
  isTracing,
  SpanKind,
  startSpan,
  withSpan,
  type Span,
} from '@wxpay/observability';
import { type Logger } from 'pino';
import { type DataSource } from 'typeorm';
import { type KafkaClient } from './client/kafka-client';
import { type EventPublisher, type OutgoingMessage } from './client/publisher';
import { type EventSigner } from './event-signing';
import { NO_METRICS, type MessagingMetrics } from './messaging-metrics';
import { OUTBOX_CHANNEL } from './outbox-writer';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  kafka: KafkaClient;
  logger: Logger;
  /** Rows published per round trip. */
  batchSize?: number;
  /** Fallback poll when no NOTIFY arrives (e.g. rows written by a process that crashed before notifying). */
  pollIntervalMs?: number;
  /** Published rows are kept this long for inspection, then deleted. */
  retainPublishedMs?: number;
  /** The advisory-lock key that elects one relay per database (services share a server, not a database). */
  leaderLockKey?: number;
  metrics?: MessagingMetrics;
  /** Signs every published message as this service (its headers are added); consumers refuse unsigned events. */
  signer?: EventSigner;
  /** Test seam: runs after Kafka acknowledged a batch and before the rows are marked (a crash here duplicates). */
  afterPublish?: (seqs: string[]) => Promise<void>;
}

interface PendingRow {
  seq: string;
  topic: string;
  message_key: string;
  /** The stored envelope as text: published as is, without a parse/stringify round trip per event. */
  value: string;
  event_id: string;
  event_type: string;
  /** The writer's trace context, when its work was traced. */
  traceparent: string | null;
}

const DEFAULT_LOCK_KEY = 0x6f7574626f78; // "outbox"

/**
 * A named statement for the relay's two queries, run on every round: PostgreSQL parses and plans each once per
 * connection. TypeORM hands the query config to pg as is (typed as the text it usually takes).
 */
function named(name: string, text: string): string {
  return { name, text } as unknown as string;
}

/**
 * Publishes outbox rows to Kafka in `seq` order. Only the relay holding the database's advisory lock publishes,
 * so two replicas never reorder one aggregate's events; the others wait as hot standbys. A batch is marked sent
 * only after Kafka acknowledged it (acks=all, idempotent producer), so a crash anywhere can duplicate an event
 * (consumers' inboxes absorb that) but never lose one.
 */
export class OutboxRelay {
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly retainPublishedMs: number;
  private readonly lockKey: number;
  private publisher?: EventPublisher;
  private leaderClient?: Client;
  private running = false;
  private loop?: Promise<void>;
  private wake: () => void = () => undefined;
  /** Set by a NOTIFY that arrives while a batch is in flight, so the next sleep is skipped, not lost. */
  private notified = false;
  private lastPurge = 0;
  /** Rows handed to Kafka whose published_at is not written yet: reads skip them. */
  private readonly unmarked = new Set<string>();
  /** The marks in flight, in order. */
  private marking: Promise<void> = Promise.resolve();

  constructor(private readonly opts: OutboxRelayOptions) {
    this.batchSize = opts.batchSize ?? 500;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.retainPublishedMs = opts.retainPublishedMs ?? 24 * 3600_000;
    this.lockKey = opts.leaderLockKey ?? DEFAULT_LOCK_KEY;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.publisher = this.opts.kafka.publisher();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await this.marking;
    await this.releaseLeadership();
    await this.publisher?.close();
  }

  /** Publishes everything pending now; for tests and for draining on shutdown. Returns rows published. */
  async drain(): Promise<number> {
    const published = await this.publishPending();
    await this.marking;
    return published;
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (!(await this.ensureLeadership())) {
          await this.sleep(this.pollIntervalMs);
          continue;
        }
        await this.publishPending();
        await this.purgeIfDue();
        await this.sleep(this.pollIntervalMs);
      } catch (e) {
        this.opts.logger.error({ err: e }, 'outbox relay round failed; retrying');
        await this.marking;
        await this.releaseLeadership();
        await this.sleep(Math.min(5000, this.pollIntervalMs * 2));
      }
    }
  }

  /**
   * Publishes until a read finds less than a batch. While one batch is on its way to Kafka the next is read and the
   * one before is marked: the database and the broker work side by side rather than in turn. Rows handed to Kafka
   * and not marked yet are left out of the reads (not a cursor: a transaction that commits late keeps its lower
   * seq, and must still be found).
   */
  private async publishPending(): Promise<number> {
    this.notified = false;
    const metrics = this.opts.metrics ?? NO_METRICS;
    let total = 0;
    let next = this.readPending();
    for (;;) {
      const rows = await next;
      metrics.pending(rows.length);
      if (rows.length === 0) return total;
      const seqs = rows.map((r) => r.seq);
      seqs.forEach((seq) => this.unmarked.add(seq));
      const full = rows.length === this.batchSize;
      next = full ? this.readPending() : Promise.resolve([]);
      try {
        await this.send(rows);
        await this.opts.afterPublish?.(seqs);
      } catch (e) {
        seqs.forEach((seq) => this.unmarked.delete(seq));
        next.catch(() => undefined); // read for a round that will not come; its rows are read again
        throw e;
      }
      this.markPublished(seqs);
      total += rows.length;
      if (!full) return total;
    }
  }

  private readPending(): Promise<PendingRow[]> {
    return this.opts.dataSource.query(
      named(
        'outbox_relay_pending',
        `SELECT seq, topic, message_key, envelope::text AS value, envelope->>'id' AS event_id,
                envelope->>'type' AS event_type, traceparent
           FROM outbox_event
          WHERE published_at IS NULL AND seq <> ALL($2::bigint[]) ORDER BY seq LIMIT $1`,
      ),
      [this.batchSize, [...this.unmarked]],
    );
  }

  private async send(rows: PendingRow[]): Promise<void> {
    const spans = isTracing() ? publishSpans(rows) : undefined;
    try {
      await this.publisher!.send(outgoing(rows, spans, this.opts.signer));
    } catch (e) {
      spans?.forEach((span) => failSpan(span, e));
      throw e;
    } finally {
      spans?.forEach((span) => span?.end());
    }
  }

  /**
   * Marks rows Kafka acknowledged, one statement at a time in order, without holding up the next batch. A mark
   * that fails leaves them unmarked: they are published again (a duplicate the consumers' inboxes absorb), never lost.
   */
  private markPublished(seqs: string[]): void {
    this.marking = this.marking.then(async () => {
      try {
        await this.opts.dataSource.query(
          named(
            'outbox_relay_published',
            `UPDATE outbox_event SET published_at = now() WHERE seq = ANY($1::bigint[])`,
          ),
          [seqs],
        );
      } catch (e) {
        this.opts.logger.error(
          { err: e, rows: seqs.length },
          'published outbox rows not marked; they go again',
        );
      } finally {
        seqs.forEach((seq) => this.unmarked.delete(seq));
      }
    });
  }

  private async ensureLeadership(): Promise<boolean> {
    if (this.leaderClient) return true;
    const url = (this.opts.dataSource.options as { url?: string }).url;
    const client = new Client({ connectionString: url, application_name: 'outbox-relay' });
    await client.connect();
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      this.lockKey,
    ]);
    if (!rows[0]?.locked) {
      await client.end();
      return false;
    }
    // Losing the connection loses the lock: stop publishing until leadership is won again.
    client.on('error', () => void this.releaseLeadership());
    client.on('notification', () => {
      this.notified = true;
      this.wake();
    });
    await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.leaderClient = client;
    this.opts.logger.info('outbox relay is the leader for this database');
    return true;
  }

  private async releaseLeadership(): Promise<void> {
    const client = this.leaderClient;
    this.leaderClient = undefined;
    await client?.end().catch(() => undefined);
  }

  private async purgeIfDue(): Promise<void> {
    if (Date.now() - this.lastPurge < 60_000) return;
    this.lastPurge = Date.now();
    await this.opts.dataSource.query(
      `DELETE FROM outbox_event WHERE published_at < now() - ($1::bigint * interval '1 millisecond')`,
      [this.retainPublishedMs],
    );
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/**
 * A producer span per traced row, a child of the writer's context, whose own context the message carries: the
 * consumer's span follows the publish, which follows the change that wrote the event.
 */
function publishSpans(rows: PendingRow[]): (Span | undefined)[] {
  return rows.map((row) =>
    row.traceparent
      ? startSpan(`${row.topic} publish`, {
          kind: SpanKind.PRODUCER,
          parent: row.traceparent,
          attributes: {
            'messaging.system': 'kafka',
            'messaging.operation.type': 'send',
            'messaging.destination.name': row.topic,
            'messaging.message.id': row.event_id,
            'wxpay.event.type': row.event_type,
          },
        })
      : undefined,
  );
}

/** The trace headers of a traced row: its publish span's context when traced here, else the writer's as stored. */
function traceHeaders(row: PendingRow, span: Span | undefined): Record<string, string> {
  if (!span) return { traceparent: row.traceparent! };
  const headers: Record<string, string> = {};
  withSpan(span, () => injectTraceContext(headers));
  return headers;
}

function outgoing(
  rows: PendingRow[],
  spans: (Span | undefined)[] | undefined,
  signer: EventSigner | undefined,
): OutgoingMessage[] {
  return rows.map((row, i) => ({
    topic: row.topic,
    key: row.message_key,
    value: row.value,
    headers: {
      ...(row.traceparent === null
        ? { 'event-id': row.event_id, 'event-type': row.event_type }
        : { 'event-id': row.event_id, 'event-type': row.event_type, ...traceHeaders(row, spans?.[i]) }),
      // Over the exact text published, so a consumer verifies the bytes it receives.
      ...signer?.sign(row.topic, row.message_key, row.value),
    },
  }));
}
