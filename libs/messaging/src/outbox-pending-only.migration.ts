import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The outbox holds only what is still to be published: the relay deletes a batch's rows once Kafka acknowledged it,
 * instead of marking `published_at` (an UPDATE writes a new row version and an entry in every index: five WAL
 * records per row against one for a delete). Kafka's topic is the record of what was published.
 *
 * Rows already marked are removed here. Dropping the column also drops both partial indexes on it: every row is
 * now pending, and the primary key on seq serves the relay's reads and the backlog gauges.
 */
export class OutboxPendingOnly1734200000000 implements MigrationInterface {
  name = 'OutboxPendingOnly1734200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM outbox_event WHERE published_at IS NOT NULL`);
    await q.query(`ALTER TABLE outbox_event DROP COLUMN published_at`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_event ADD COLUMN published_at timestamptz`);
    await q.query(`CREATE INDEX outbox_event_pending ON outbox_event (seq) WHERE published_at IS NULL`);
    await q.query(
      `CREATE INDEX outbox_event_published ON outbox_event (published_at) WHERE published_at IS NOT NULL`,
    );
  }
}
