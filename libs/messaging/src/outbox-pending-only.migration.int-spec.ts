import { randomUUID } from 'crypto';
import { createTestDatabase, type TestDatabase } from '@wxpay/testing';
import { CreateMessagingTables1732500000000 } from './messaging-tables.migration';
import { OutboxPendingOnly1734200000000 } from './outbox-pending-only.migration';
import { OutboxTraceparent1734100000000 } from './outbox-traceparent.migration';

jest.setTimeout(30_000);

describe('OutboxPendingOnly migration (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({
      migrations: [CreateMessagingTables1732500000000, OutboxTraceparent1734100000000],
      label: 'outbox_pending_only',
    });
  });
  afterAll(() => db.drop());

  it('removes the rows an earlier relay marked published and keeps those still to go', async () => {
    const insert = (published: boolean) =>
      db.dataSource.query(
        `INSERT INTO outbox_event (id, topic, message_key, envelope, published_at)
         VALUES ($1, 't.v1', 'k', '{}', CASE WHEN $2 THEN now() END) RETURNING id`,
        [randomUUID(), published],
      );
    await insert(true);
    const [{ id: waiting }] = await insert(false);
    await insert(true);

    const runner = db.dataSource.createQueryRunner();
    try {
      await new OutboxPendingOnly1734200000000().up(runner);
    } finally {
      await runner.release();
    }

    const rows: { id: string }[] = await db.dataSource.query(`SELECT id FROM outbox_event`);
    expect(rows.map((r) => r.id)).toEqual([waiting]);
    const columns: { column_name: string }[] = await db.dataSource.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'outbox_event'`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain('published_at');
    const indexes: { indexname: string }[] = await db.dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE tablename = 'outbox_event' ORDER BY indexname`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['outbox_event_id_key', 'outbox_event_pkey']);
  });
});
