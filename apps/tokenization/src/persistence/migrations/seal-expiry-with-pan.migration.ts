import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Envelope 2: the expiry is sealed with the card number (issue 15 item 7) instead of sitting in clear columns.
 * Existing rows stay envelope 1 and keep being read; the service's EnvelopeUpgrade re-seals them once it holds
 * the keys (a migration does not), and the checks below keep a row from being half-moved.
 */
export class SealExpiryWithPan1733800000000 implements MigrationInterface {
  name = 'SealExpiryWithPan1733800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE card
        ADD COLUMN envelope smallint NOT NULL DEFAULT 1 CHECK (envelope IN (1, 2)),
        ALTER COLUMN expiry_month DROP NOT NULL,
        ALTER COLUMN expiry_year DROP NOT NULL,
        ADD CONSTRAINT card_expiry_by_envelope CHECK (
          CASE envelope
            WHEN 2 THEN expiry_month IS NULL AND expiry_year IS NULL
            ELSE status = 'DELETED' OR (expiry_month IS NOT NULL AND expiry_year IS NOT NULL)
          END)`);
    // New rows name their envelope; the default only labels the rows that existed before this migration.
    await q.query(`ALTER TABLE card ALTER COLUMN envelope DROP DEFAULT`);
  }

  async down(): Promise<void> {
    // Envelope 2 rows hold their expiry only inside the ciphertext: going back needs the keys, not SQL.
    throw new Error('SealExpiryWithPan cannot be reverted by a migration');
  }
}
