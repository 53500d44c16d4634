import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Transaction notifications are keyed by event type, order and trade state (notification-facts.ts). Stored rows
 * get the state appended the same way, so a re-delivery of a notification stored before the upgrade is still
 * recognised as the same fact and not stored (and published) a second time.
 */
export class KeyTransactionNoticesByState1733600000000 implements MigrationInterface {
  name = 'KeyTransactionNoticesByState1733600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE webhook_inbox
         SET business_key = business_key || ':' || (facts->'transaction'->>'tradeState')
       WHERE fact_type = 'WechatPayTransactionNotified'
         AND facts->'transaction'->>'tradeState' IS NOT NULL
         AND business_key = event_type || ':' || aggregate_ref`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Of several states of one order only the first stored keeps the old, narrower key.
    await q.query(`
      DELETE FROM webhook_inbox w USING webhook_inbox o
       WHERE w.fact_type = 'WechatPayTransactionNotified' AND o.fact_type = w.fact_type
         AND o.event_type = w.event_type AND o.aggregate_ref = w.aggregate_ref AND o.seq < w.seq`);
    await q.query(`
      UPDATE webhook_inbox SET business_key = event_type || ':' || aggregate_ref
       WHERE fact_type = 'WechatPayTransactionNotified'`);
  }
}
