import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The vault's tables. Card numbers exist only as SM4-GCM ciphertext (`card.pan_sealed`); the keyed fingerprint
 * used to find an existing card lives in its own table; keys never enter the database, only their check values.
 */
export class CreateVaultTables1732600000000 implements MigrationInterface {
  name = 'CreateVaultTables1732600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE card (
        token          text PRIMARY KEY CHECK (token ~ '^tok_[a-z2-7]{26}$'),
        cardholder_ref text NOT NULL,
        bin            text NOT NULL CHECK (bin ~ '^[0-9]{6}$'),
        last4          text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
        pan_length     smallint NOT NULL CHECK (pan_length BETWEEN 13 AND 19),
        brand          text NOT NULL,
        issuer         text NOT NULL DEFAULT '',
        expiry_month   text NOT NULL CHECK (expiry_month ~ '^(0[1-9]|1[0-2])$'),
        expiry_year    text NOT NULL CHECK (expiry_year ~ '^[0-9]{4}$'),
        status         text NOT NULL CHECK (status IN ('ACTIVE', 'SUSPENDED', 'DELETED')),
        status_reason  text,
        pan_sealed     bytea,
        dek_sealed     bytea,
        kek_version    integer,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now(),
        -- A deleted card keeps only what may be shown (BIN, last 4): its ciphertext and data key are gone.
        CONSTRAINT card_sealed_iff_not_deleted CHECK (
          (status = 'DELETED') = (pan_sealed IS NULL)
          AND (pan_sealed IS NULL) = (dek_sealed IS NULL)
          AND (dek_sealed IS NULL) = (kek_version IS NULL))
      )`);
    await q.query(`CREATE INDEX card_by_cardholder ON card (cardholder_ref, created_at)`);
    // The rotation job walks the records of one KEK version in token order.
    await q.query(
      `CREATE INDEX card_by_kek_version ON card (kek_version, token) WHERE kek_version IS NOT NULL`,
    );

    // Same PAN + same cardholder → same token: the unique key makes concurrent tokenizations converge.
    // The reference to card is deferred so the fingerprint can be claimed before the card row is written.
    await q.query(`
      CREATE TABLE card_fingerprint (
        cardholder_ref text NOT NULL,
        fingerprint    bytea NOT NULL,
        token          text NOT NULL UNIQUE REFERENCES card (token) DEFERRABLE INITIALLY DEFERRED,
        PRIMARY KEY (cardholder_ref, fingerprint)
      )`);

    await q.query(`
      CREATE TABLE idempotency_record (
        caller          text NOT NULL,
        idempotency_key text NOT NULL,
        method          text NOT NULL,
        request_hash    bytea NOT NULL,
        response        jsonb NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (caller, idempotency_key)
      )`);
    await q.query(`CREATE INDEX idempotency_record_age ON idempotency_record (created_at)`);

    await q.query(`
      CREATE TABLE vault_key (
        name          text PRIMARY KEY,
        check_value   text NOT NULL,
        registered_at timestamptz NOT NULL DEFAULT now(),
        retired_at    timestamptz
      )`);

    await q.query(`
      CREATE TABLE rotation_job (
        id                 bigserial PRIMARY KEY,
        target_kek_version integer NOT NULL,
        from_versions      integer[] NOT NULL,
        state              text NOT NULL CHECK (state IN ('running', 'completed', 'superseded')),
        cursor_token       text NOT NULL DEFAULT '',
        rewrapped          bigint NOT NULL DEFAULT 0,
        batches            integer NOT NULL DEFAULT 0,
        passes             integer NOT NULL DEFAULT 1,
        started_at         timestamptz NOT NULL DEFAULT now(),
        updated_at         timestamptz NOT NULL DEFAULT now(),
        finished_at        timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX rotation_job_one_running ON rotation_job ((true)) WHERE state = 'running'`,
    );

    await q.query(`
      CREATE TABLE audit_entry (
        seq         bigint PRIMARY KEY,
        occurred_at timestamptz NOT NULL,
        actor       text NOT NULL,
        action      text NOT NULL,
        token       text,
        result      text NOT NULL,
        reason      text,
        prev_hash   bytea NOT NULL,
        entry_hash  bytea NOT NULL
      )`);
    // The chain's head: one row, locked by every append, so appends are serialized and the chain never forks.
    await q.query(`
      CREATE TABLE audit_head (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        seq        bigint NOT NULL,
        entry_hash bytea NOT NULL
      )`);
    await q.query(`INSERT INTO audit_head (seq, entry_hash) VALUES (0, decode(repeat('00', 32), 'hex'))`);
    // Append-only for the service's own connections; the hash chain is what detects anyone who bypasses this.
    await q.query(`
      CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_entry is append-only';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_entry
        FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_entry`);
    await q.query(`DROP FUNCTION audit_entry_append_only()`);
    for (const table of [
      'audit_head',
      'rotation_job',
      'vault_key',
      'idempotency_record',
      'card_fingerprint',
      'card',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
