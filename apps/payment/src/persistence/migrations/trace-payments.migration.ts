import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Where a payment's trace continues from: the `traceparent` of the CreatePayment call that made it (later steps
 * driven by the webhook worker or the janitor join that trace), and of the webhook request that delivered each
 * notification (its apply links back to it). Null when the work was not traced.
 */
export class TracePayments1734100000100 implements MigrationInterface {
  name = 'TracePayments1734100000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE payment ADD COLUMN traceparent text`);
    await q.query(`ALTER TABLE webhook_inbox ADD COLUMN traceparent text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE webhook_inbox DROP COLUMN traceparent`);
    await q.query(`ALTER TABLE payment DROP COLUMN traceparent`);
  }
}
