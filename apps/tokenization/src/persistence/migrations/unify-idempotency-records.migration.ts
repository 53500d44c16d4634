import { IDEMPOTENCY_TABLE_SQL } from '@wxpay/persistence';
import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Idempotency records in the one shape every service shares (libs/persistence IdempotencyStore): keyed by
 * (caller, operation, key), the request's keyed fingerprint as hex. Records from before are dropped rather than
 * converted: their hashes were computed another way and would answer a retry with a conflict. Dropping them is
 * safe because every vault call is idempotent by content too (a card tokenized again gets its token; a status
 * asked for again is already set), so a retry that straddles the upgrade changes nothing.
 */
export class UnifyIdempotencyRecords1733400000000 implements MigrationInterface {
  name = 'UnifyIdempotencyRecords1733400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_record`);
    await q.query(IDEMPOTENCY_TABLE_SQL);
    await q.query(`CREATE INDEX idempotency_record_age ON idempotency_record (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_record`);
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
  }
}
