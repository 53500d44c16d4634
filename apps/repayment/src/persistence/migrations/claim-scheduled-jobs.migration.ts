import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Whose run of a job the lease is: each claim of a job writes a new token, the runner renews the lease while the
 * job runs and finishes or reschedules the job only under its own token, so a runner that stalled past its lease
 * cannot renew, finish or reschedule the job over the runner that took it over. Null before the first claim
 * (and on jobs claimed before this column existed, which the next claim gives one).
 */
export class ClaimScheduledJobs1734310000000 implements MigrationInterface {
  name = 'ClaimScheduledJobs1734310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_job ADD COLUMN claim uuid`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE scheduled_job DROP COLUMN claim`);
  }
}
