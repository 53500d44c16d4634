import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Fingerprint keys have versions (issue 15 item 3): each fingerprint names the key version it was made under, so
 * a new key can become current while the old fingerprints are moved (FingerprintRotation). Existing fingerprints
 * were made under the one key there was, version 1.
 */
export class VersionFingerprintKeys1733900000000 implements MigrationInterface {
  name = 'VersionFingerprintKeys1733900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE card_fingerprint ADD COLUMN key_version smallint NOT NULL DEFAULT 1
                     CHECK (key_version BETWEEN 1 AND 9999)`);
    await q.query(`ALTER TABLE card_fingerprint ALTER COLUMN key_version DROP DEFAULT`);
    await q.query(`CREATE INDEX card_fingerprint_by_version ON card_fingerprint (key_version, token)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX card_fingerprint_by_version`);
    await q.query(`ALTER TABLE card_fingerprint DROP COLUMN key_version`);
  }
}
