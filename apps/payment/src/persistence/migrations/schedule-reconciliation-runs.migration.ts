import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The daily reconciliation's scheduled run of each business date, so that it happens once across replicas (an
 * operator's RunReconciliation is not recorded here and may re-run any date). A replica claims the date with a
 * claim token and a real-time lease it renews while it runs; `lease_until` is also the pause after a failed
 * attempt before the next claim. `done_at` and `run_id` are set in the transaction that stores the run's report,
 * and only under the token that still holds the claim.
 */
export class ScheduleReconciliationRuns1734310000000 implements MigrationInterface {
  name = 'ScheduleReconciliationRuns1734310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE recon_schedule (
        business_date  date PRIMARY KEY,
        claim          uuid NOT NULL,
        lease_until    timestamptz,
        attempts       integer NOT NULL DEFAULT 1,
        last_error     text,
        run_id         uuid REFERENCES recon_run (id),
        done_at        timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT recon_schedule_done_whole CHECK ((run_id IS NULL) = (done_at IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE recon_schedule`);
  }
}
