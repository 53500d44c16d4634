import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The W3C `traceparent` of the work that wrote each outbox row (null when it was not traced): the relay sends it as
 * a Kafka header, so the consumers of an event continue the trace of the change that emitted it.
 */
export class OutboxTraceparent1734100000000 implements MigrationInterface {
  name = 'OutboxTraceparent1734100000000';

  async up(q: QueryRunner): Promise<void> {
    // Nullable, no default: adding it rewrites nothing and takes only a brief lock.
    await q.query(`ALTER TABLE outbox_event ADD COLUMN traceparent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_event DROP COLUMN traceparent`);
  }
}
