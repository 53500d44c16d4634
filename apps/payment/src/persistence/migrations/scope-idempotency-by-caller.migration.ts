import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Idempotency keys scoped per calling service: (caller, operation, key). Before this, two callers that happened
 * to pick the same key shared one record: the second was answered with the first's payment, or refused as a
 * conflict. Records kept from before carry the caller '' and so are never matched again; they age out with the
 * retention (IDEMPOTENCY_RETENTION_HOURS). A retry that straddles the upgrade is therefore treated as a new call:
 * upgrade when no caller is retrying.
 */
export class ScopeIdempotencyByCaller1732800000000 implements MigrationInterface {
  name = 'ScopeIdempotencyByCaller1732800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_record ADD COLUMN caller text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE idempotency_record ALTER COLUMN caller DROP DEFAULT`);
    await q.query(`ALTER TABLE idempotency_record DROP CONSTRAINT idempotency_record_pkey`);
    await q.query(`ALTER TABLE idempotency_record ADD PRIMARY KEY (caller, operation, idempotency_key)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Only one record per (operation, key) can survive the narrower key.
    await q.query(`
      DELETE FROM idempotency_record r USING idempotency_record o
       WHERE r.operation = o.operation AND r.idempotency_key = o.idempotency_key AND r.caller > o.caller`);
    await q.query(`ALTER TABLE idempotency_record DROP CONSTRAINT idempotency_record_pkey`);
    await q.query(`ALTER TABLE idempotency_record DROP COLUMN caller`);
    await q.query(`ALTER TABLE idempotency_record ADD PRIMARY KEY (operation, idempotency_key)`);
  }
}
