import { randomUUID } from 'crypto';
import { TOPIC_PREFIX } from '@wxpay/contracts';
import {
  captureLogger,
  createTestDatabase,
  createTestTopic,
  eventually,
  readTopic,
  testKafkaConnection,
  uniqueName,
  type TestDatabase,
} from '@wxpay/testing';
import { createKafka } from './client/kafka-client';
import { ensureTopics } from './client/topics';
import { MESSAGING_MIGRATIONS } from './messaging-migrations';
import { OutboxRelay } from './outbox-relay';
import { appendToOutbox } from './outbox-writer';

jest.setTimeout(90_000);

const { logger, lines } = captureLogger('warn');

function event(topic: string, n: number) {
  const aggregateId = `acct-${n}`;
  return { topic, type: 'AccountCredited', aggregateId, traceId: randomUUID(), payload: { n } };
}

describe('outbox relay reading ahead (real PostgreSQL and Kafka)', () => {
  let db: TestDatabase;
  let relay: OutboxRelay | undefined;

  beforeEach(async () => {
    db = await createTestDatabase({ migrations: MESSAGING_MIGRATIONS, label: 'relay_pipeline' });
  });
  afterEach(async () => {
    await relay?.stop();
    relay = undefined;
    await db.drop();
  });

  it('publishes a row whose transaction commits after rows with higher seqs were published, and each row once', async () => {
    const topic = await createTestTopic('relay-pipeline', 3);
    relay = new OutboxRelay({
      dataSource: db.dataSource,
      kafka: createKafka({ clientId: 'relay-pipeline', connection: testKafkaConnection(), logger }),
      logger,
      batchSize: 50, // several batches, so reads run ahead of sends
    });
    // A writer takes its seq now and commits last.
    const late = db.dataSource.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    await appendToOutbox(late.manager, event(topic, 0));
    for (let n = 1; n <= 200; n++) {
      await db.dataSource.transaction((m) => appendToOutbox(m, event(topic, n)));
    }
    // The outbox holds what is still to go (the late row is not visible until it commits).
    const waiting = async () =>
      (await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_event`))[0].n as number;
    expect(await waiting()).toBe(200);
    await relay.start();
    await eventually(async () => (await waiting()) === 0, 'the committed rows published');
    await late.commitTransaction();
    await late.release();
    await eventually(async () => (await waiting()) === 0, 'the late row published too');

    // Read past the 201st message for a while: a duplicate would show up as a 202nd.
    const messages = await readTopic(topic, { until: (m) => m.length > 201, timeoutMs: 5000 });
    expect(messages).toHaveLength(201);
    const ns = messages.map((m) => (JSON.parse(m.value!) as { payload: { n: number } }).payload.n);
    expect(ns.sort((a, b) => a - b)).toEqual(Array.from({ length: 201 }, (_, n) => n));
  });

  it('keeps every row when Kafka refuses a batch, and publishes each once when Kafka takes them', async () => {
    // No such topic yet: every send is refused, including while the next batch is already read.
    const topic = `${TOPIC_PREFIX}test.${uniqueName('relay-refused')}`;
    relay = new OutboxRelay({
      dataSource: db.dataSource,
      kafka: createKafka({ clientId: 'relay-refused', connection: testKafkaConnection(), logger }),
      logger,
      batchSize: 40,
      pollIntervalMs: 200,
    });
    for (let n = 0; n < 120; n++) {
      await db.dataSource.transaction((m) => appendToOutbox(m, event(topic, n)));
    }
    const waiting = async () =>
      (await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_event`))[0].n as number;
    const failures = () => lines.filter((l) => l.includes('outbox relay round failed')).length;
    const before = failures();
    await relay.start();
    await eventually(async () => failures() >= before + 2, 'two refused rounds', 60_000);
    expect(await waiting()).toBe(120);

    await ensureTopics(testKafkaConnection(), [
      {
        name: topic,
        partitions: 3,
        retentionMs: 3600_000,
        description: 'test',
        producers: [],
        consumers: [],
      },
    ]);
    await eventually(async () => (await waiting()) === 0, 'the outbox drained once the topic exists', 60_000);
    const messages = await readTopic(topic, { until: (m) => m.length > 120, timeoutMs: 5000 });
    const ns = messages.map((m) => (JSON.parse(m.value!) as { payload: { n: number } }).payload.n);
    expect(ns.sort((a, b) => a - b)).toEqual(Array.from({ length: 120 }, (_, n) => n));
  });
});
