import { Client } from 'pg';
import { createTestDatabase, eventually, type TestDatabase } from '@wxpay/testing';
import { OutboxValidationError } from './errors';
import { MESSAGING_MIGRATIONS } from './messaging-migrations';
import { OUTBOX_CHANNEL, outboxInsertSql, outboxRecord } from './outbox-writer';
import { CreateMessagingTestTables1732500000001 } from './__fixtures__/ledger-test.migration';

jest.setTimeout(30_000);

describe('outbox events folded into the statement that changes the state (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({
      migrations: [...MESSAGING_MIGRATIONS, CreateMessagingTestTables1732500000001],
      label: 'outbox_statement',
    });
    await db.dataSource.query(`INSERT INTO account (id, balance_minor) VALUES ('acct-1', 0)`);
  });

  afterAll(() => db.drop());

  const event = (n: number) =>
    outboxRecord({
      topic: 'accounts.v1',
      type: 'AccountCredited',
      aggregateId: 'acct-1',
      traceId: `trace-${n}`,
      payload: { n },
    });

  /** Credits the account if its balance is still `expected`, with its events, in one statement. */
  async function credit(expected: number, events: ReturnType<typeof event>[]): Promise<number> {
    const params: unknown[] = [expected];
    const rows: unknown[] = await db.dataSource.query(
      `WITH credited AS (
         UPDATE account SET balance_minor = balance_minor + 100 WHERE id = 'acct-1' AND balance_minor = $1
         RETURNING id
       ), events AS (${outboxInsertSql(events, params, 'credited')})
       SELECT id FROM credited`,
      params,
    );
    return rows.length;
  }

  it('writes the events in order with the change, outside any transaction, and wakes the relay', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const woken: string[] = [];
    listener.on('notification', (n) => woken.push(n.channel));
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    try {
      const events = [event(1), event(2)];
      expect(await credit(0, events)).toBe(1);
      const rows: { id: string; topic: string; message_key: string; envelope: unknown }[] =
        await db.dataSource.query(`SELECT id, topic, message_key, envelope FROM outbox_event ORDER BY seq`);
      expect(rows).toEqual(
        events.map((e) => ({
          id: e.envelope.id,
          topic: 'accounts.v1',
          message_key: 'acct-1',
          envelope: e.envelope,
        })),
      );
      await eventually(async () => woken.length > 0, 'relay woken');
      expect(woken.every((c) => c === OUTBOX_CHANNEL)).toBe(true);
    } finally {
      await listener.end();
    }
  });

  it('writes no event when the guarded change did not happen', async () => {
    const before: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_event`);
    expect(await credit(12345, [event(3)])).toBe(0);
    const after: { n: number }[] = await db.dataSource.query(`SELECT count(*)::int AS n FROM outbox_event`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('refuses a malformed event before any statement is built', () => {
    expect(() =>
      outboxRecord({ topic: 'accounts.v1', type: 'not a type', aggregateId: 'a', traceId: 't', payload: {} }),
    ).toThrow(OutboxValidationError);
  });
});
