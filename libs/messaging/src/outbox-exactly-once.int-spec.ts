import { spawn } from 'child_process';
import { join } from 'path';
import {
  createTestDatabase,
  createTestTopic,
  eventually,
  readTopic,
  testBrokers,
  testKafkaConnection,
  type TestDatabase,
  captureLogger,
  workspaceRoot,
} from '@wxpay/testing';
import { createKafka } from './client/kafka-client';
import { EventConsumer } from './event-consumer';
import { MESSAGING_MIGRATIONS } from './messaging-migrations';
import { appendManyToOutbox, appendToOutbox } from './outbox-writer';
import { randomUUID } from 'crypto';
import { OutboxRelay } from './outbox-relay';
import { OutboxValidationError } from './errors';
import { CreateMessagingTestTables1732500000001 } from './__fixtures__/ledger-test.migration';

jest.setTimeout(90_000);

const { logger } = captureLogger('warn');

async function credit(db: TestDatabase, topic: string, account: string, n: number): Promise<void> {
  await db.dataSource.transaction(async (m) => {
    await m.query(
      `INSERT INTO account (id, balance_minor) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET balance_minor = account.balance_minor + EXCLUDED.balance_minor`,
      [account, 100],
    );
    await appendToOutbox(m, {
      topic,
      type: 'AccountCredited',
      aggregateId: account,
      traceId: `trace-${account}-${n}`,
      payload: { n, amount: { minor: 100, currency: 'CNY' } },
    });
  });
}

function runRelayThatDies(url: string): Promise<string> {
  const root = workspaceRoot();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', join(root, 'tools/ts-register.js'), join(__dirname, '__fixtures__/relay-that-dies.ts')],
      { env: { ...process.env, RELAY_DATABASE_URL: url, KAFKA_BROKERS: testBrokers().join(',') }, cwd: root },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(out) : reject(new Error(`relay exited: ${out}`)),
    );
  });
}

describe('transactional outbox → Kafka → idempotent inbox (real PostgreSQL and Kafka)', () => {
  let producerDb: TestDatabase;
  let consumerDb: TestDatabase;
  let topic: string;

  beforeEach(async () => {
    const migrations = [...MESSAGING_MIGRATIONS, CreateMessagingTestTables1732500000001];
    [producerDb, consumerDb] = await Promise.all([
      createTestDatabase({ migrations, label: 'outbox_producer' }),
      createTestDatabase({ migrations, label: 'outbox_consumer' }),
    ]);
    topic = await createTestTopic('outbox', 3);
  });

  afterEach(async () => {
    await Promise.all([producerDb.drop(), consumerDb.drop()]);
  });

  function startConsumer(groupId: string): Promise<EventConsumer> {
    const consumer = new EventConsumer({
      kafka: createKafka({ clientId: 'test-consumer', connection: testKafkaConnection(), logger }),
      dataSource: consumerDb.dataSource,
      logger,
      groupId,
      topics: [topic],
      partitionsConsumedConcurrently: 3,
      handler: async (event, { manager }) => {
        await manager.query(`INSERT INTO applied_effect (event_id, aggregate_id, n) VALUES ($1, $2, $3)`, [
          event.id,
          event.aggregateId,
          event.payload.n,
        ]);
      },
    });
    return consumer.start().then(() => consumer);
  }

  it('delivers each event exactly once although the relay died between publishing and committing', async () => {
    for (let n = 0; n < 30; n++) await credit(producerDb, topic, `acct-${n % 3}`, n);

    const childOutput = await runRelayThatDies(producerDb.url);
    expect(childOutput).toContain('published 30');
    const undeleted = await producerDb.dataSource.query(`SELECT count(*)::int AS c FROM outbox_event`);
    expect(undeleted[0].c).toBe(30);

    const relay = new OutboxRelay({
      dataSource: producerDb.dataSource,
      kafka: createKafka({ clientId: 'test-relay', connection: testKafkaConnection(), logger }),
      logger,
    });
    await relay.start();
    const consumer = await startConsumer('exactly-once');
    try {
      await eventually(async () => {
        const r = await producerDb.dataSource.query(`SELECT count(*)::int AS c FROM outbox_event`);
        return r[0].c === 0;
      }, 'the second relay takes every row out');

      // Kafka really holds every event twice: the scenario produced duplicates for the inbox to absorb.
      const onKafka = await readTopic(topic, { until: (m) => m.length >= 60, timeoutMs: 20_000 });
      expect(onKafka).toHaveLength(60);

      await eventually(
        async () => consumer.stats.processed === 30 && consumer.stats.duplicate === 30,
        'consumer sees all copies',
      );
      const effects = await consumerDb.dataSource.query(
        `SELECT count(*)::int AS total, count(DISTINCT event_id)::int AS distinct_ids FROM applied_effect`,
      );
      expect(effects[0]).toEqual({ total: 30, distinct_ids: 30 });
    } finally {
      await consumer.stop();
      await relay.stop();
    }
  });

  it('keeps each aggregate’s events in the order they were committed', async () => {
    for (let n = 0; n < 60; n++) await credit(producerDb, topic, `acct-${n % 4}`, n);
    const relay = new OutboxRelay({
      dataSource: producerDb.dataSource,
      kafka: createKafka({ clientId: 'test-relay', connection: testKafkaConnection(), logger }),
      logger,
      batchSize: 7,
    });
    await relay.start();
    try {
      const seen = await readTopic(topic, { until: (m) => m.length >= 60, timeoutMs: 20_000 });
      const byKey = new Map<string, number[]>();
      for (const m of seen) {
        const n = JSON.parse(m.value!).payload.n as number;
        byKey.set(m.key!, [...(byKey.get(m.key!) ?? []), n]);
      }
      expect(byKey.size).toBe(4);
      for (const ns of byKey.values()) expect(ns).toEqual([...ns].sort((a, b) => a - b));
    } finally {
      await relay.stop();
    }
  });

  it('writes no event when the state change rolls back, and refuses a malformed event before anything is written', async () => {
    await expect(
      producerDb.dataSource.transaction(async (m) => {
        await m.query(`INSERT INTO account (id, balance_minor) VALUES ('a', 1)`);
        await appendToOutbox(m, { topic, type: 'not a type', aggregateId: 'a', traceId: 't', payload: {} });
      }),
    ).rejects.toThrow(OutboxValidationError);
    await expect(
      producerDb.dataSource.transaction(async (m) => {
        await appendToOutbox(m, {
          topic,
          type: 'AccountCredited',
          aggregateId: 'a',
          traceId: 't',
          payload: {},
        });
        throw new Error('business rule failed after the event was written');
      }),
    ).rejects.toThrow('business rule failed');
    const rows = await producerDb.dataSource.query(
      `SELECT (SELECT count(*)::int FROM outbox_event) AS events, (SELECT count(*)::int FROM account) AS accounts`,
    );
    expect(rows[0]).toEqual({ events: 0, accounts: 0 });
    await expect(
      appendToOutbox(producerDb.dataSource.manager, {
        topic,
        type: 'AccountCredited',
        aggregateId: 'a',
        traceId: 't',
        payload: {},
      }),
    ).rejects.toThrow('must run inside the transaction');
  });

  it('writes many envelopes in one statement in array order, and none if any is malformed', async () => {
    const envelope = (n: number) => ({
      id: randomUUID(),
      type: 'AccountCredited',
      version: 1,
      occurredAt: new Date().toISOString(),
      aggregateId: `acct-${n % 2}`,
      traceId: `t-${n}`,
      payload: { n },
    });
    const good = [1, 2, 3, 4].map(envelope);
    await expect(
      producerDb.dataSource.transaction((m) =>
        appendManyToOutbox(m, topic, [...good, { ...envelope(5), traceId: '' }]),
      ),
    ).rejects.toThrow(OutboxValidationError);
    await producerDb.dataSource.transaction((m) => appendManyToOutbox(m, topic, good));
    const rows: { id: string; message_key: string }[] = await producerDb.dataSource.query(
      `SELECT id, message_key FROM outbox_event ORDER BY seq`,
    );
    expect(rows).toEqual(good.map((e) => ({ id: e.id, message_key: e.aggregateId })));
  });
});
