import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { openStoredCard, type LockedCard } from '../crypto/card-opener';
import { type DekCache } from '../crypto/dek-cache';
import { type KeyRing } from '../keys/key-ring';
import { type AuditLog } from '../persistence/audit-log';
import { fingerprintsByVersion } from '../persistence/key-registry';
import { inTokenBatches } from './token-batches';

const ACTOR = 'system:fingerprint-rotation';

type FingerprintRow = LockedCard & { key_version: number };

/**
 * Moves every card's fingerprint to the current fingerprint key version, online: batches in token order, each
 * one transaction that locks its fingerprint rows (SKIP LOCKED: instances share the work) and replaces each
 * fingerprint in place with the card's fingerprint under the current key, the card opened with its data key.
 * A look-up meanwhile matches every loaded version, and each row changes in one statement, so it finds the card
 * under the old fingerprint or the new one, never neither. A card that cannot be opened here is logged by token
 * and keeps its old fingerprint (the old version must then stay loaded).
 */
export class FingerprintRotation {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: { ring: KeyRing; dekCache: DekCache },
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  /** Fingerprints under versions older than the current one. */
  async pending(): Promise<number> {
    const current = this.keys.ring.currentFingerprintVersion;
    const byVersion = await fingerprintsByVersion(this.dataSource.manager);
    return [...byVersion].filter(([v]) => v < current).reduce((n, [, count]) => n + count, 0);
  }

  /**
   * Moves what it can forward, from older versions to the current one; answers how many fingerprints it moved.
   * Fingerprints under a newer version stay where they are: a vault started with an older current version in the
   * middle of a rollout would otherwise move them back while the others move them on.
   */
  async run(batchSize = 200, signal?: AbortSignal, pauseMs = 0): Promise<number> {
    const current = this.keys.ring.currentFingerprintVersion;
    const newer = [...(await fingerprintsByVersion(this.dataSource.manager))].filter(([v]) => v > current);
    if (newer.length) {
      this.logger.warn(
        { currentVersion: current, newerVersions: newer.map(([v]) => v) },
        'cards are fingerprinted under a newer fingerprint key than this vault makes current: finish the rollout',
      );
    }
    const moved = await inTokenBatches(
      this.dataSource,
      batchSize,
      async (manager, after) => {
        const rows = (await manager.query(
          `SELECT f.token, f.cardholder_ref, f.key_version, c.envelope, c.pan_sealed, c.expiry_month,
                  c.expiry_year, c.dek_sealed, c.kek_version
             FROM card_fingerprint f JOIN card c USING (token)
            WHERE f.key_version < $1 AND f.token > $2
            ORDER BY f.token LIMIT $3 FOR UPDATE OF f SKIP LOCKED`,
          [current, after, batchSize],
        )) as FingerprintRow[];
        let done = 0;
        for (const row of rows) {
          const fingerprint = this.fingerprintOf(row);
          if (!fingerprint) continue;
          await manager.query(
            `UPDATE card_fingerprint SET fingerprint = $2, key_version = $3 WHERE token = $1`,
            [row.token, fingerprint, current],
          );
          done++;
        }
        if (done) {
          await this.audit.appendWithin(manager, [
            {
              actor: ACTOR,
              action: 'fingerprint-rotation',
              token: null,
              result: 'ok',
              reason: `${done} fingerprints to key version ${current}`,
            },
          ]);
        }
        return { seen: rows.length, done, last: rows.at(-1)?.token };
      },
      { signal, pauseMs },
    );
    if (moved)
      this.logger.info({ fingerprints: moved, keyVersion: current }, 'fingerprints moved to the current key');
    return moved;
  }

  private fingerprintOf(row: FingerprintRow): Buffer | undefined {
    try {
      return this.keys.ring.fingerprint(openStoredCard(this.keys, row).pan);
    } catch (e) {
      this.logger.error(
        { token: row.token, error: e instanceof Error ? e.name : 'unknown' },
        'fingerprint left under its old key: the card cannot be opened here',
      );
      return undefined;
    }
  }
}
