import { createTestDatabase, type TestDatabase } from '@wxpay/testing';
import { PAYMENT_MIGRATIONS } from '../src/persistence/migrations';
import { UnifyIdempotencyRecords1733500000100 } from '../src/persistence/migrations/unify-idempotency-records.migration';

jest.setTimeout(60_000);

/** The idempotency records of before the shared store, through the migration that moves them to its shape. */
describe('idempotency records moved to the shared table shape', () => {
  let db: TestDatabase;
  const before = PAYMENT_MIGRATIONS.filter((m) => m !== UnifyIdempotencyRecords1733500000100);

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: before, label: 'pay_idem_migration' });
  });
  afterAll(() => db.drop());

  it('keeps every record and converts stored errors to { code: <domain code>, message, field }', async () => {
    const insert = (key: string, response: unknown, lease: boolean) =>
      db.dataSource.query(
        `INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, resource_id, response,
                                         lease_until, completed_at)
         VALUES ('cn:channel', 'CancelPayment', $1, 'f', 'r-1', $2, $3, $4)`,
        [
          key,
          response === null ? null : JSON.stringify(response),
          lease ? new Date(Date.now() + 60_000) : null,
          response === null ? null : new Date(),
        ],
      );
    await insert(
      'k-error',
      { error: { code: 9, message: 'the payer paid before the cancel', reason: 'ALREADY_PAID' } },
      false,
    );
    await insert(
      'k-field',
      { error: { code: 3, message: 'amount.currency: must be CNY', field: 'amount.currency' } },
      false,
    );
    await insert('k-ok', { ok: { payment_id: 'p-1', status: 'CANCELLED' } }, false);
    await insert('k-running', null, true);

    const runner = db.dataSource.createQueryRunner();
    try {
      await new UnifyIdempotencyRecords1733500000100().up(runner);
    } finally {
      await runner.release();
    }

    const rows: { idempotency_key: string; response: unknown; running: boolean }[] =
      await db.dataSource.query(
        `SELECT idempotency_key, response, coalesce(lease_until > now(), false) AS running FROM idempotency_record
        ORDER BY idempotency_key`,
      );
    expect(rows).toEqual([
      {
        idempotency_key: 'k-error',
        response: { error: { code: 'ALREADY_PAID', message: 'the payer paid before the cancel' } },
        running: false,
      },
      {
        idempotency_key: 'k-field',
        response: {
          error: {
            code: 'INVALID_ARGUMENT',
            message: 'amount.currency: must be CNY',
            field: 'amount.currency',
          },
        },
        running: false,
      },
      {
        idempotency_key: 'k-ok',
        response: { ok: { payment_id: 'p-1', status: 'CANCELLED' } },
        running: false,
      },
      { idempotency_key: 'k-running', response: null, running: true },
    ]);
    const columns: { column_name: string }[] = await db.dataSource.query(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'idempotency_record'
        ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual([
      'caller',
      'operation',
      'idempotency_key',
      'fingerprint',
      'resource_id',
      'response',
      'lease_until',
      'created_at',
      'completed_at',
    ]);
  });
});
