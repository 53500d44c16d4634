import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The audit chain is keyed from here on (issue 15 item 2): entries already written keep their unkeyed SM3 links
 * (hash version 1), every later entry gets a keyed link (version 2, the default the appender relies on). The
 * verifier accepts version 1 only before the first version 2 entry, so a forger cannot slip unkeyed entries in.
 */
export class KeyAuditChain1734000000000 implements MigrationInterface {
  name = 'KeyAuditChain1734000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_entry ADD COLUMN hash_version smallint NOT NULL DEFAULT 1
                     CHECK (hash_version IN (1, 2))`);
    await q.query(`ALTER TABLE audit_entry ALTER COLUMN hash_version SET DEFAULT 2`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_entry DROP COLUMN hash_version`);
  }
}
