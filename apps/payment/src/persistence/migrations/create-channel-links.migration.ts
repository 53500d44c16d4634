import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Which UnionPay request carried which of our refunds. The channel client's request log knows the original
 * (the completion) but not which of several partial refunds a request was; the adapter records the link as soon
 * as the client answers, so a retried refund can find what it already sent instead of sending it again.
 */
export class CreateChannelLinks1732700000100 implements MigrationInterface {
  name = 'CreateChannelLinks1732700000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE channel_refund_link (
        refund_id   uuid PRIMARY KEY,
        request_id  uuid NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE channel_refund_link`);
  }
}
