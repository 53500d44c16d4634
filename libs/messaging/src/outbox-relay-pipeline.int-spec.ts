import { randomUUID } from 'crypto';
import {
  captureLogger,
  createTestDatabase,
  createTestTopic,
  eventually,
  readTopic,
  testKafkaConnection,
  type TestDatabase,
} from '@wxpay/testing';
import { createKafka } from './client/kafka-client';
import { MESSAGING_MIGRATIONS } from './messaging-migrations';
import { OutboxRelay } from './outbox-relay';
import { appendToOutbox } from './outbox-writer';

jest.setTimeout(90_000);

const { logger } = captureLogger('warn');

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
    const published = async () =>
      (
        await db.dataSource.query(
          `SELECT count(*)::int AS n FROM outbox_event WHERE published_at IS NOT NULL`,
        )
      )[0].n as number;
    await relay.start();
    await eventually(async () => (await published()) === 200, 'the committed rows published');
    await late.commitTransaction();
    await late.release();
    await eventually(async () => (await published()) === 201, 'the late row published too');

    // Read past the 201st message for a while: a duplicate would show up as a 202nd.
    const messages = await readTopic(topic, { until: (m) => m.length > 201, timeoutMs: 5000 });
    expect(messages).toHaveLength(201);
    const ns = messages.map((m) => (JSON.parse(m.value!) as { payload: { n: number } }).payload.n);
    expect(ns.sort((a, b) => a - b)).toEqual(Array.from({ length: 201 }, (_, n) => n));
    const [{ unpublished }] = await db.dataSource.query(
      `SELECT count(*)::int AS unpublished FROM outbox_event WHERE published_at IS NULL`,
    );
    expect(unpublished).toBe(0);
  });
});
