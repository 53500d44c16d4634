import { randomUUID } from 'crypto';
import { type Worker } from 'worker_threads';
import { type MessagingMetrics } from '@wxpay/messaging';
import {
  captureLogger,
  createTestDatabase,
  createTestTopic,
  readTopic,
  testKafkaConnection,
  type TestDatabase,
} from '@wxpay/testing';
import { type DecisionRecord } from '../src/domain/decisions/decision-record';
import { DecisionStoreThread } from '../src/persistence/store-thread';
import { DEFAULT_FX_RATES, toCnyFen } from '../src/domain/engine/fx-rates';
import { subjectOfAttempt } from '../src/domain/engine/subjects';
import { RISK_MIGRATIONS } from '../src/persistence/migrations';
import { attempt, T0 } from './support/engine-fixtures';

jest.setTimeout(60_000);

function record(): DecisionRecord {
  const a = attempt({ attemptId: `pay-${randomUUID()}` });
  return {
    decisionId: randomUUID(),
    attempt: a,
    subject: subjectOfAttempt(a, toCnyFen(a.amountMinor, a.currency, DEFAULT_FX_RATES)!),
    live: { decision: 'APPROVE', score: 0, reasons: [], ruleSetVersion: 'default@1' },
    shadow: null,
    evaluatedAt: T0,
  };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('DecisionStoreThread (decisions and the outbox relay off the Evaluate event loop)', () => {
  let db: TestDatabase;
  let topic: string;
  const { logger } = captureLogger('warn');
  const pending: number[] = [];
  const metrics: MessagingMetrics = {
    published: () => undefined,
    pending: (n) => pending.push(n),
    consumed: () => undefined,
    handlerFailed: () => undefined,
  };
  const threads: DecisionStoreThread[] = [];
  const thread = (relay: boolean) => {
    const t = new DecisionStoreThread({
      databaseUrl: db.url,
      decisionsTopic: topic,
      logLevel: 'warn',
      relay: relay ? { connection: testKafkaConnection() } : null,
      logger,
      metrics,
    });
    threads.push(t);
    return t;
  };
  const stored = async (ids: string[]) =>
    Number(
      (
        (await db.dataSource.query(
          `SELECT count(*) AS n FROM risk_decision WHERE decision_id = ANY($1::uuid[])`,
          [ids],
        )) as { n: string }[]
      )[0]!.n,
    );

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: RISK_MIGRATIONS, label: 'risk_store_thread' });
    topic = await createTestTopic('decisions', 1);
  });

  afterAll(async () => {
    for (const t of threads) await t.stop();
    await db.drop();
  });

  it('writes batches on its own connections and publishes them through its relay, reporting to this thread', async () => {
    const t = thread(true);
    await t.start();
    const batch = [record(), record()];
    await t.write(batch);
    expect(await stored(batch.map((d) => d.decisionId))).toBe(2);
    const apps = (await db.dataSource.query(
      `SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = current_database()`,
    )) as { application_name: string }[];
    expect(apps.map((a) => a.application_name)).toEqual(
      expect.arrayContaining(['risk-decision-store', 'outbox-relay']),
    );
    const ids = batch.map((d) => d.decisionId);
    const eventIds = (messages: { value: string | null }[]) =>
      messages.map((m) => (JSON.parse(m.value!) as { id: string }).id);
    const onTopic = await readTopic(topic, {
      until: (m) => ids.every((id) => eventIds(m).includes(id)),
      timeoutMs: 20_000,
    });
    expect(eventIds(onTopic)).toEqual(expect.arrayContaining(ids));
    // Published rows leave the outbox.
    await until(async () => {
      const rows = (await db.dataSource.query(
        `SELECT count(*) AS n FROM outbox_event WHERE id = ANY($1::uuid[])`,
        [ids],
      )) as { n: string }[];
      return Number(rows[0]!.n) === 0;
    });
    // The relay's backlog gauge is set in the thread and exported from this one.
    expect(Math.max(...pending)).toBeGreaterThanOrEqual(2);
    await t.stop();
  });

  it('fails the unanswered batches of a thread that died, and starts a new thread for the next batch', async () => {
    const t = thread(false);
    await t.start();
    const lost = record();
    const pending = t.write([lost]);
    await (t as unknown as { current: Worker }).current.terminate();
    await expect(pending).rejects.toThrow(/exited/);
    const next = record();
    await t.write([next]);
    expect(await stored([next.decisionId])).toBe(1);
    await t.stop();
  });

  it('refuses batches once stopping', async () => {
    const t = thread(false);
    await t.start();
    await t.stop();
    await expect(t.write([record()])).rejects.toThrow(/stopping/);
  });
});
