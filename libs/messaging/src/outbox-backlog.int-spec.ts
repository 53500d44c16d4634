import { randomUUID } from 'crypto';
import { createMetrics, type Metrics } from '@wxpay/observability';
import { createTestDatabase, type TestDatabase } from '@wxpay/testing';
import { MESSAGING_MIGRATIONS } from './messaging-migrations';
import { registerOutboxBacklog } from './outbox-backlog';

jest.setTimeout(30_000);

async function sample(metrics: Metrics, name: string): Promise<number> {
  const line = new RegExp(`^${name}\\{service="svc"\\} (\\S+)$`, 'm').exec(await metrics.registry.metrics());
  return line ? Number(line[1]) : -1;
}

describe('outbox backlog gauges (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      migrations: MESSAGING_MIGRATIONS,
      label: 'outbox_backlog',
    });
  });
  afterAll(() => db.drop());

  const insert = (agoSeconds: number) =>
    db.dataSource.query(
      `INSERT INTO outbox_event (id, topic, message_key, envelope, created_at)
       VALUES ($1, 't.v1', 'k', '{}', now() - $2 * interval '1 second')`,
      [randomUUID(), agoSeconds],
    );

  it('reports the rows waiting and the age of the oldest, 0 and 0 once all are out', async () => {
    const metrics = createMetrics({ service: 'svc', defaultMetrics: false });
    registerOutboxBacklog(metrics, db.dataSource);
    expect(await sample(metrics, 'wxpay_outbox_backlog')).toBe(0);
    expect(await sample(metrics, 'wxpay_outbox_oldest_age_seconds')).toBe(0);

    await insert(120);
    await insert(5);
    expect(await sample(metrics, 'wxpay_outbox_backlog')).toBe(2);
    const age = await sample(metrics, 'wxpay_outbox_oldest_age_seconds');
    expect(age).toBeGreaterThanOrEqual(120);
    expect(age).toBeLessThan(150);

    await db.dataSource.query(`DELETE FROM outbox_event WHERE created_at < now() - interval '60 seconds'`);
    expect(await sample(metrics, 'wxpay_outbox_backlog')).toBe(1);
    expect(await sample(metrics, 'wxpay_outbox_oldest_age_seconds')).toBeLessThan(60);

    await db.dataSource.query(`DELETE FROM outbox_event`); // what the relay does once Kafka acknowledged them
    expect(await sample(metrics, 'wxpay_outbox_backlog')).toBe(0);
    expect(await sample(metrics, 'wxpay_outbox_oldest_age_seconds')).toBe(0);
  });

  it('finds the oldest row on the primary key, not by sorting the table', async () => {
    await db.dataSource.query(`SET enable_seqscan = off`);
    const plan: { 'QUERY PLAN': string }[] = await db.dataSource.query(
      `EXPLAIN SELECT created_at FROM outbox_event ORDER BY seq LIMIT 1`,
    );
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('outbox_event_pkey');
  });

  it('reports NaN when the database does not answer, so no alert reads a stale figure as healthy', async () => {
    const metrics = createMetrics({ service: 'svc', defaultMetrics: false });
    registerOutboxBacklog(metrics, { query: () => Promise.reject(new Error('connection refused')) });
    expect(await sample(metrics, 'wxpay_outbox_backlog')).toBeNaN();
    expect(await sample(metrics, 'wxpay_outbox_oldest_age_seconds')).toBeNaN();
  });
});
