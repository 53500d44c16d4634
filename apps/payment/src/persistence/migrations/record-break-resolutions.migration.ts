import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A reconciliation break an operator has settled (ResolveReconciliationBreak): who, when and what was done. The
 * break itself stays as the run found it; a break is resolved once (the CHECK keeps the three together).
 */
export class RecordBreakResolutions1733700000000 implements MigrationInterface {
  name = 'RecordBreakResolutions1733700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE recon_break
        ADD COLUMN resolved_by      text,
        ADD COLUMN resolution_note  text,
        ADD COLUMN resolved_at      timestamptz,
        ADD CONSTRAINT recon_break_resolution_whole CHECK (
          (resolved_by IS NULL) = (resolved_at IS NULL) AND (resolved_by IS NULL) = (resolution_note IS NULL))`);
    await q.query(`CREATE INDEX recon_break_open ON recon_break (id) WHERE resolved_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX recon_break_open`);
    await q.query(`
      ALTER TABLE recon_break DROP CONSTRAINT recon_break_resolution_whole,
        DROP COLUMN resolved_by, DROP COLUMN resolution_note, DROP COLUMN resolved_at`);
  }
}
