import { randomUUID } from 'crypto';
import { createTestDatabase, type TestDatabase } from '@wxpay/testing';
import { capturePosting } from '../src/domain/ledger-accounts';
import { LedgerRepository, UnbalancedPostingError } from '../src/persistence/ledger.repository';
import { PAYMENT_MIGRATIONS } from '../src/persistence/migrations';

jest.setTimeout(30_000);

const parties = { cardToken: 'tok_abcdefghijklmnopqrstuvwxyz', merchantId: 'm-1', currency: 'CNY' };

describe('double-entry ledger (real PostgreSQL)', () => {
  let db: TestDatabase;
  const ledger = new LedgerRepository();
  beforeAll(async () => {
    db = await createTestDatabase({ migrations: PAYMENT_MIGRATIONS, label: 'pay_ledger' });
  });
  afterAll(() => db.drop());

  it('books a posting once per (kind, reference)', async () => {
    const id = randomUUID();
    const first = await db.dataSource.transaction((m) => ledger.post(m, capturePosting(id, parties, 1000)));
    const again = await db.dataSource.transaction((m) => ledger.post(m, capturePosting(id, parties, 1000)));
    expect([first, again]).toEqual([true, false]);
    expect(await ledger.unbalanced(db.dataSource)).toEqual([]);
  });

  it('refuses an unbalanced posting in code, and the database refuses one written around the code', async () => {
    const bad = capturePosting(randomUUID(), parties, 1000);
    bad.lines[0]!.amountMinor = 999;
    await expect(db.dataSource.transaction((m) => ledger.post(m, bad))).rejects.toBeInstanceOf(
      UnbalancedPostingError,
    );

    const txn = randomUUID();
    await expect(
      db.dataSource.transaction(async (m) => {
        await m.query(
          `INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date) VALUES ($1::uuid, 'CAPTURE', $1::text, $1::uuid, '2026-11-25')`,
          [txn],
        );
        await m.query(
          `INSERT INTO ledger_entry (transaction_id, account, amount_minor, currency) VALUES ($1::uuid, 'a', 100, 'CNY'), ($1::uuid, 'b', -90, 'CNY')`,
          [txn],
        );
      }),
    ).rejects.toThrow(/does not balance/);
    const single = randomUUID();
    await expect(
      db.dataSource.query(
        `INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date) VALUES ($1::uuid, 'CAPTURE', $1::text, $1::uuid, '2026-11-25')`,
        [single],
      ),
    ).rejects.toThrow(/fewer than two entries/);
  });

  it('balances per currency, not across currencies', async () => {
    const txn = randomUUID();
    await expect(
      db.dataSource.transaction(async (m) => {
        await m.query(
          `INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date) VALUES ($1::uuid, 'CAPTURE', $1::text, $1::uuid, '2026-11-25')`,
          [txn],
        );
        await m.query(
          `INSERT INTO ledger_entry (transaction_id, account, amount_minor, currency) VALUES ($1::uuid, 'a', 100, 'CNY'), ($1::uuid, 'b', -100, 'USD')`,
          [txn],
        );
      }),
    ).rejects.toThrow(/does not balance/);
  });

  it('is append-only', async () => {
    await expect(db.dataSource.query(`UPDATE ledger_entry SET amount_minor = 1`)).rejects.toThrow(
      /append-only/,
    );
    await expect(db.dataSource.query(`DELETE FROM ledger_transaction`)).rejects.toThrow(/append-only/);
    await expect(db.dataSource.query(`TRUNCATE ledger_entry CASCADE`)).rejects.toThrow(/append-only/);
  });

  it('audits with ledger_unbalanced(), which finds a transaction written with the check disabled', async () => {
    const txn = randomUUID();
    await db.dataSource.transaction(async (m) => {
      // An operator with superuser rights bypassing the trigger: the audit must still see it.
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(
        `INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date) VALUES ($1::uuid, 'CAPTURE', $1::text, $1::uuid, '2026-11-25')`,
        [txn],
      );
      await m.query(
        `INSERT INTO ledger_entry (transaction_id, account, amount_minor, currency) VALUES ($1::uuid, 'a', 100, 'CNY'), ($1::uuid, 'b', -1, 'CNY')`,
        [txn],
      );
    });
    expect(await ledger.unbalanced(db.dataSource)).toEqual([
      { transactionId: txn, currency: 'CNY', imbalanceMinor: 99 },
    ]);
  });
});
