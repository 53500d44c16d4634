import { type MigrationInterface, type QueryRunner } from 'typeorm';
import { CreateSimLedgerFunctions1732710000001 } from './ledger-functions.migration';

/**
 * Issuer state of the simulator: registered institutions, card accounts (found by an HMAC of the PAN, never by
 * the PAN itself) and the journal of every financial message the switch applied or declined.
 */
export class CreateUnionPaySimSchema1732710000000 implements MigrationInterface {
  name = 'CreateUnionPaySimSchema1732710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sim_institution (
        code           text PRIMARY KEY,
        sm2_public_key text NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE card_account (
        id                 bigserial PRIMARY KEY,
        pan_index          bytea NOT NULL UNIQUE,
        masked_pan         text NOT NULL,
        expiry             text NOT NULL CHECK (expiry ~ '^[0-9]{4}$'),
        status             text NOT NULL CHECK (status IN ('active', 'lost', 'stolen', 'expired')),
        currency           text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        credit_limit_minor bigint NOT NULL CHECK (credit_limit_minor >= 0),
        balance_minor      bigint NOT NULL DEFAULT 0,
        held_minor         bigint NOT NULL DEFAULT 0 CHECK (held_minor >= 0),
        single_limit_minor bigint CHECK (single_limit_minor > 0),
        created_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 40)`);
    await q.query(`
      CREATE TABLE sim_journal (
        id               bigserial PRIMARY KEY,
        acquirer_id      text NOT NULL,
        terminal_id      text NOT NULL,
        merchant_id      text NOT NULL,
        mti              text NOT NULL CHECK (mti ~ '^[0-9]{4}$'),
        processing_code  text NOT NULL CHECK (processing_code ~ '^[0-9]{6}$'),
        kind             text NOT NULL
                         CHECK (kind IN ('preauth', 'completion', 'purchase', 'refund', 'credit', 'reversal')),
        stan             text NOT NULL CHECK (stan ~ '^[0-9]{6}$'),
        transmitted      text NOT NULL CHECK (transmitted ~ '^[0-9]{10}$'),
        rrn              text NOT NULL CHECK (length(rrn) = 12),
        account_id       bigint REFERENCES card_account (id),
        masked_pan       text,
        amount_minor     bigint NOT NULL CHECK (amount_minor >= 0),
        currency         text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        response_code    text NOT NULL CHECK (response_code ~ '^[0-9A-Z]{2}$'),
        auth_code        text CHECK (length(auth_code) = 6),
        state            text NOT NULL CHECK (state IN ('approved', 'declined', 'reversed', 'completed')),
        original_id      bigint REFERENCES sim_journal (id),
        orig_mti         text,
        orig_stan        text,
        orig_transmitted text,
        hold_minor       bigint NOT NULL DEFAULT 0 CHECK (hold_minor >= 0),
        refunded_minor   bigint NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
        reason_code      text,
        settlement_date  date,
        created_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // Duplicate transmissions (94) are found by the originator's trace.
    await q.query(
      `CREATE UNIQUE INDEX sim_journal_trace ON sim_journal (acquirer_id, terminal_id, mti, stan, transmitted)`,
    );
    // Reversals by the original they name: makes a repeated 0420 idempotent and bars a late original.
    await q.query(
      `CREATE UNIQUE INDEX sim_journal_reversal_of ON sim_journal
         (acquirer_id, terminal_id, orig_mti, orig_stan, orig_transmitted) WHERE kind = 'reversal'`,
    );
    await q.query(
      `CREATE INDEX sim_journal_settlement ON sim_journal (settlement_date) WHERE settlement_date IS NOT NULL`,
    );
    await q.query(`CREATE INDEX sim_journal_rrn ON sim_journal (rrn)`);
    // Every authorisation rewrites its account row: free space on each page keeps those updates HOT (no index
    // writes, no bloat), and frequent autovacuum keeps the few hot pages small.
    await q.query(
      `ALTER TABLE card_account SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000)`,
    );
    // Text columns (not char(n)): the batch lookups compare them with text parameters and must hit the indexes.
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sim_journal`);
    await q.query(`DROP TABLE card_account`);
    await q.query(`DROP TABLE sim_institution`);
  }
}

export const SIM_MIGRATIONS = [CreateUnionPaySimSchema1732710000000, CreateSimLedgerFunctions1732710000001];
