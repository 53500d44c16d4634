import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The outbox and inbox tables every service that emits or consumes events carries in its own database.
 * Services list this migration in their migration arrays.
 */
export class CreateMessagingTables1732500000000 implements MigrationInterface {
  name = 'CreateMessagingTables1732500000000';

  async up(q: QueryRunner): Promise<void> {
    // `seq` gives the relay a total order; per-aggregate order follows because writers of one aggregate are
    // serialized by the aggregate's own row lock and a single relay publishes in seq order.
    await q.query(`
      CREATE TABLE outbox_event (
        seq          bigserial PRIMARY KEY,
        id           uuid NOT NULL UNIQUE,
        topic        text NOT NULL,
        message_key  text NOT NULL,
        envelope     jsonb NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now(),
        published_at timestamptz
      )`);
    await q.query(`CREATE INDEX outbox_event_pending ON outbox_event (seq) WHERE published_at IS NULL`);
    await q.query(
      `CREATE INDEX outbox_event_published ON outbox_event (published_at) WHERE published_at IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE inbox_message (
        consumer_group text NOT NULL,
        message_id     text NOT NULL,
        topic          text NOT NULL,
        kafka_partition integer NOT NULL,
        kafka_offset   bigint NOT NULL,
        outcome        text NOT NULL CHECK (outcome IN ('processed', 'dead-lettered')),
        processed_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer_group, message_id)
      )`);
    await q.query(`CREATE INDEX inbox_message_age ON inbox_message (processed_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE inbox_message`);
    await q.query(`DROP TABLE outbox_event`);
  }
}
