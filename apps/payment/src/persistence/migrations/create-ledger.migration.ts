import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The double-entry ledger. Entries are signed minor units (debit > 0, credit < 0); each transaction must sum to
 * zero per currency, which the database itself enforces at commit (a deferred constraint trigger), and nothing in
 * the ledger can be updated or deleted. `ledger_unbalanced()` lists any transaction that breaks the rule (an
 * audit that does not trust the trigger to have been there all along).
 */
export class CreateLedger1732600000001 implements MigrationInterface {
  name = 'CreateLedger1732600000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_transaction (
        id             uuid PRIMARY KEY,
        kind           text NOT NULL
                       CHECK (kind IN ('CAPTURE', 'REFUND_RESERVE', 'REFUND_SETTLE', 'REFUND_RELEASE')),
        reference      text NOT NULL,
        payment_id     uuid NOT NULL,
        business_date  date NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now(),
        UNIQUE (kind, reference)
      )`);
    await q.query(`CREATE INDEX ledger_transaction_by_date ON ledger_transaction (business_date, kind)`);
    await q.query(`CREATE INDEX ledger_transaction_by_payment ON ledger_transaction (payment_id)`);
    await q.query(`
      CREATE TABLE ledger_entry (
        id              bigserial PRIMARY KEY,
        transaction_id  uuid NOT NULL REFERENCES ledger_transaction (id),
        account         text NOT NULL,
        amount_minor    bigint NOT NULL CHECK (amount_minor <> 0),
        currency        char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        created_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ledger_entry_by_transaction ON ledger_entry (transaction_id)`);
    await q.query(`CREATE INDEX ledger_entry_by_account ON ledger_entry (account, id)`);

    await q.query(`
      CREATE FUNCTION ledger_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only (% on %)', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    for (const table of ['ledger_transaction', 'ledger_entry']) {
      await q.query(`
        CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table}
          FOR EACH ROW EXECUTE FUNCTION ledger_forbid_change()`);
      await q.query(`
        CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
          FOR EACH STATEMENT EXECUTE FUNCTION ledger_forbid_change()`);
    }

    await q.query(`
      CREATE FUNCTION ledger_transaction_imbalance(txn uuid)
        RETURNS TABLE (currency char(3), imbalance_minor numeric, entries bigint)
        LANGUAGE sql STABLE AS $$
          SELECT e.currency, sum(e.amount_minor), count(*)
            FROM ledger_entry e WHERE e.transaction_id = txn
           GROUP BY e.currency
          HAVING sum(e.amount_minor) <> 0
      $$`);
    await q.query(`
      CREATE FUNCTION ledger_unbalanced()
        RETURNS TABLE (transaction_id uuid, currency char(3), imbalance_minor numeric)
        LANGUAGE sql STABLE AS $$
          SELECT e.transaction_id, e.currency, sum(e.amount_minor)
            FROM ledger_entry e GROUP BY e.transaction_id, e.currency HAVING sum(e.amount_minor) <> 0
          UNION ALL
          SELECT t.id, NULL::char(3), 0::numeric
            FROM ledger_transaction t
           WHERE (SELECT count(*) FROM ledger_entry e WHERE e.transaction_id = t.id) < 2
      $$`);

    // Checked at commit, when every entry of the transaction is in: a half-written posting cannot commit.
    await q.query(`
      CREATE FUNCTION ledger_check_transaction(txn uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        bad record;
      BEGIN
        SELECT * INTO bad FROM ledger_transaction_imbalance(txn) LIMIT 1;
        IF FOUND THEN
          RAISE EXCEPTION 'ledger transaction % does not balance in %: % minor units', txn, bad.currency,
            bad.imbalance_minor USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT count(*) FROM ledger_entry e WHERE e.transaction_id = txn) < 2 THEN
          RAISE EXCEPTION 'ledger transaction % has fewer than two entries', txn USING ERRCODE = 'check_violation';
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION ledger_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM ledger_check_transaction(NEW.transaction_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE FUNCTION ledger_transaction_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM ledger_check_transaction(NEW.id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_entry_balanced()`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_transaction_balanced AFTER INSERT ON ledger_transaction
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_transaction_balanced()`);

    await q.query(`
      CREATE TABLE recon_run (
        id               uuid PRIMARY KEY,
        business_date    date NOT NULL,
        started_at       timestamptz NOT NULL DEFAULT now(),
        finished_at      timestamptz,
        ledger_items     integer NOT NULL DEFAULT 0,
        unionpay_items   integer NOT NULL DEFAULT 0,
        wechatpay_items  integer NOT NULL DEFAULT 0,
        matched          integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX recon_run_by_date ON recon_run (business_date, started_at DESC)`);
    await q.query(`
      CREATE TABLE recon_break (
        id                  bigserial PRIMARY KEY,
        run_id              uuid NOT NULL REFERENCES recon_run (id),
        kind                text NOT NULL CHECK (kind IN ('MISSING_IN_LEDGER', 'MISSING_AT_UNIONPAY',
                                     'MISSING_AT_WECHATPAY', 'AMOUNT_DIFFERS', 'STATUS_DIFFERS')),
        source              text NOT NULL CHECK (source IN ('UNIONPAY', 'WECHATPAY')),
        reference           text NOT NULL,
        detail              text NOT NULL,
        ledger_minor        bigint,
        counterparty_minor  bigint
      )`);
    await q.query(`CREATE INDEX recon_break_by_run ON recon_break (run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recon_break`);
    await q.query(`DROP TABLE recon_run`);
    await q.query(`DROP TABLE ledger_entry`);
    await q.query(`DROP TABLE ledger_transaction`);
    await q.query(`DROP FUNCTION ledger_transaction_balanced()`);
    await q.query(`DROP FUNCTION ledger_entry_balanced()`);
    await q.query(`DROP FUNCTION ledger_check_transaction(uuid)`);
    await q.query(`DROP FUNCTION ledger_unbalanced()`);
    await q.query(`DROP FUNCTION ledger_transaction_imbalance(uuid)`);
    await q.query(`DROP FUNCTION ledger_forbid_change()`);
  }
}
