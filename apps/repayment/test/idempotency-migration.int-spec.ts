import { IdempotencyStore, replay } from '@wxpay/persistence';
import { createTestDatabase, type TestDatabase } from '@wxpay/testing';
import { REPAYMENT_MIGRATIONS } from '../src/persistence/migrations';
import { UnifyIdempotencyRecords1733600000000 } from '../src/persistence/migrations/unify-idempotency-records.migration';

jest.setTimeout(60_000);

/** A Plan view as the service answered (and kept) it before the shared store: the answer itself, nulls included. */
const storedPlan = {
  plan_id: 'rpl_0123456789abcdef0123456789abcdef',
  card_token: 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  contract: { wechat_plan_id: '12535', out_contract_code: 'C1', contract_id: 'ct-1', payer_openid: 'o-1' },
  mode: 'FULL',
  fixed_amount: null,
  days_before_due: 3,
  status: 'ACTIVE',
  version: '1',
  created_at: '2026-12-01T00:00:00.000Z',
  updated_at: '2026-12-01T00:00:00.000Z',
  status_reason: '',
};

/** Repayment's idempotency records of before the shared store, through the migration that moves them. */
describe('repayment idempotency records moved to the shared table shape', () => {
  let db: TestDatabase;
  const before = REPAYMENT_MIGRATIONS.filter((m) => m !== UnifyIdempotencyRecords1733600000000);

  beforeAll(async () => {
    db = await createTestDatabase({ migrations: before, label: 'repay_idem_migration' });
  });
  afterAll(() => db.drop());

  it('keeps every record: answers become { ok }, stored errors { code: <domain code>, message, field }', async () => {
    const insert = (key: string, response: unknown) =>
      db.dataSource.query(
        `INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, response, created_at)
         VALUES ('cn:channel', 'CreatePlan', $1, 'f-' || $1, $2, '2026-12-01T00:00:00Z')`,
        [key, JSON.stringify(response)],
      );
    await insert('k-plan', storedPlan);
    await insert('k-error', { error: { code: 5, message: 'plan_id: no such plan', field: 'plan_id' } });
    await insert('k-reason', {
      error: { code: 6, message: 'the card or the contract already has a live plan', reason: 'PLAN_EXISTS' },
    });

    const runner = db.dataSource.createQueryRunner();
    try {
      await new UnifyIdempotencyRecords1733600000000().up(runner);
    } finally {
      await runner.release();
    }

    const rows: { idempotency_key: string; fingerprint: string; response: unknown; completed: boolean }[] =
      await db.dataSource.query(
        `SELECT idempotency_key, fingerprint, response, completed_at = created_at AS completed
           FROM idempotency_record ORDER BY idempotency_key`,
      );
    const { fixed_amount: _absent, ...withoutNulls } = storedPlan;
    expect(rows).toEqual([
      {
        idempotency_key: 'k-error',
        fingerprint: 'f-k-error',
        response: { error: { code: 'PLAN_NOT_FOUND', message: 'plan_id: no such plan', field: 'plan_id' } },
        completed: true,
      },
      { idempotency_key: 'k-plan', fingerprint: 'f-k-plan', response: { ok: withoutNulls }, completed: true },
      {
        idempotency_key: 'k-reason',
        fingerprint: 'f-k-reason',
        response: {
          error: { code: 'PLAN_EXISTS', message: 'the card or the contract already has a live plan' },
        },
        completed: true,
      },
    ]);

    // The shared store replays a kept answer as the first call gave it.
    const answer = await new IdempotencyStore().answered(db.dataSource, {
      caller: 'cn:channel',
      operation: 'CreatePlan',
      key: 'k-plan',
      fingerprint: 'f-k-plan',
    });
    expect(replay(answer!)).toEqual(withoutNulls);

    const tables: { table_name: string }[] = await db.dataSource.query(
      `SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'idempotency_record%'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(['idempotency_record']);
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
