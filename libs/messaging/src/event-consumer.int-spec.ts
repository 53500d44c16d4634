import { randomUUID } from 'crypto';
import { dlqTopicOf } from '@wxpay/contracts';
import {
  captureLogger,
  createTestDatabase,
  createTestTopic,
  eventually,
  readTopic,
  testKafkaConnection,
  testKafka,
  uniqueName,
  uniqueTestPan,
  type TestDatabase,
} from '@wxpay/testing';
import { type EventPublisher } from './client/publisher';
import { DLQ_HEADERS } from './dead-letter';
import { EventConsumer, type EventHandler } from './event-consumer';
import { createKafka } from './client/kafka-client';
import { createMetrics } from '@wxpay/observability';
import { messagingMetrics } from './messaging-metrics';
import { MESSAGING_MIGRATIONS } from './messaging-migrations';
import { CreateMessagingTestTables1732500000001 } from './__fixtures__/ledger-test.migration';

jest.setTimeout(90_000);

const { logger, lines } = captureLogger('warn');
/** A card number the handler leaks into its error; generated, never a literal. */
const LEAKED_PAN = uniqueTestPan('622202', 19);

function envelope(n: number, extra: Record<string, unknown> = {}) {
  return {
    id: randomUUID(),
    type: 'AccountCredited',
    version: 1,
    occurredAt: new Date().toISOString(),
    aggregateId: 'acct-1',
    traceId: `t-${n}`,
    payload: { n, ...extra },
  };
}

const recordEffect: EventHandler = async (event, { manager }) => {
  if (event.payload.poison) throw new Error(`cannot apply card ${LEAKED_PAN} event ${event.id}`);
  await manager.query(`INSERT INTO applied_effect (event_id, aggregate_id, n) VALUES ($1, $2, $3)`, [
    event.id,
    event.aggregateId,
    event.payload.n,
  ]);
};

describe('EventConsumer: inbox, retries and dead letters (real PostgreSQL and Kafka)', () => {
  let db: TestDatabase;
  let topic: string;
  let producer: EventPublisher;
  let consumer: EventConsumer | undefined;

  beforeAll(async () => {
    producer = testKafka().publisher();
  });
  afterAll(() => producer.close());

  beforeEach(async () => {
    db = await createTestDatabase({
      migrations: [...MESSAGING_MIGRATIONS, CreateMessagingTestTables1732500000001],
      label: 'consumer',
    });
    topic = await createTestTopic('consumer', 1);
  });

  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
    await db.drop();
  });

  let metrics = createMetrics({ service: 'consumer-test', defaultMetrics: false });

  async function start(groupId: string, handler: EventHandler = recordEffect): Promise<EventConsumer> {
    metrics = createMetrics({ service: 'consumer-test', defaultMetrics: false });
    consumer = new EventConsumer({
      metrics: messagingMetrics(metrics),
      kafka: createKafka({ clientId: 'test', connection: testKafkaConnection(), logger }),
      dataSource: db.dataSource,
      logger,
      groupId,
      topics: [topic],
      handler,
      retryBackoffMs: 20,
    });
    await consumer.start();
    return consumer;
  }

  async function effects(): Promise<number[]> {
    const rows: { n: number }[] = await db.dataSource.query(`SELECT n FROM applied_effect ORDER BY n`);
    return rows.map((r) => r.n);
  }

  async function send(...values: (string | object)[]): Promise<void> {
    await producer.send(
      values.map((v) => ({ topic, key: 'acct-1', value: typeof v === 'string' ? v : JSON.stringify(v) })),
    );
  }

  it('applies a redelivered message once: same id twice, and a full replay of the partition', async () => {
    const first = envelope(1);
    await send(first, first, envelope(2));
    const groupId = uniqueName('redelivery');
    const c = await start(groupId);
    await eventually(async () => c.stats.processed === 2 && c.stats.duplicate === 1, 'first pass');
    expect(await effects()).toEqual([1, 2]);
    await c.stop();
    consumer = undefined;

    const admin = testKafka().admin();
    await admin.moveGroup(groupId, topic, 'earliest');
    await admin.close();

    const replay = await start(groupId);
    await eventually(async () => replay.stats.duplicate === 3, 'the replayed partition is read again');
    expect(replay.stats.processed).toBe(0);
    expect(await effects()).toEqual([1, 2]);
  });

  it('sends a poison message to the DLQ after bounded retries and keeps consuming the same partition', async () => {
    const poison = envelope(1, { poison: true });
    await send(poison, envelope(2));
    const groupId = uniqueName('poison');
    const c = await start(groupId);
    await eventually(
      async () => c.stats.processed === 1 && c.stats['dead-lettered'] === 1,
      'poison dead-lettered, next applied',
    );
    expect(await effects()).toEqual([2]);

    const [dead] = await readTopic(dlqTopicOf(topic), { until: (m) => m.length >= 1 });
    expect(JSON.parse(dead!.value!).id).toBe(poison.id);
    expect(dead!.key).toBe('acct-1');
    expect(dead!.headers[DLQ_HEADERS.reason]).toBe('handler-failed');
    expect(dead!.headers[DLQ_HEADERS.attempts]).toBe('3');
    expect(dead!.headers[DLQ_HEADERS.originalTopic]).toBe(topic);
    expect(dead!.headers[DLQ_HEADERS.consumerGroup]).toBe(groupId);
    expect(dead!.headers[DLQ_HEADERS.error]).toContain(
      `cannot apply card ${LEAKED_PAN.slice(0, 6)}*********${LEAKED_PAN.slice(-4)}`,
    );
    expect(dead!.headers[DLQ_HEADERS.error]).not.toContain(LEAKED_PAN);
    expect(lines.join('\n')).not.toContain(LEAKED_PAN);

    const outcome = await db.dataSource.query(`SELECT outcome FROM inbox_message WHERE message_id = $1`, [
      poison.id,
    ]);
    expect(outcome).toEqual([{ outcome: 'dead-lettered' }]);
  });

  it('rejects malformed envelopes with a clear error into the DLQ, and the consumer keeps running', async () => {
    const missingTrace = { ...envelope(2), traceId: undefined };
    await send('{not json', missingTrace, envelope(3));
    const c = await start(uniqueName('malformed'));
    await eventually(
      async () => c.stats.processed === 1 && c.stats['dead-lettered'] === 2,
      'two rejected, one applied',
    );
    expect(await effects()).toEqual([3]);

    const dead = await readTopic(dlqTopicOf(topic), { until: (m) => m.length >= 2 });
    expect(dead.map((d) => d.headers[DLQ_HEADERS.reason])).toEqual(['invalid-envelope', 'invalid-envelope']);
    expect(dead[0]!.headers[DLQ_HEADERS.error]).toBe('invalid event envelope: (root): value is not JSON');
    expect(dead[1]!.headers[DLQ_HEADERS.error]).toMatch(/^invalid event envelope: traceId: /);
    expect(dead[0]!.value).toBe('{not json');
    // The DLQ rate an operator's alert reads.
    const counted = await metrics.registry.getSingleMetric('wxpay_dead_letters_total')!.get();
    expect(counted.values.map((v) => ({ ...v.labels, value: v.value }))).toEqual([
      { topic, reason: 'invalid-envelope', value: 2 },
    ]);
  });
});
