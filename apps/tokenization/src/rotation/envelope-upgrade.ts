import { type Logger } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { withDataKey } from '../crypto/card-opener';
import { type DekCache } from '../crypto/dek-cache';
import { openCard, sealCard } from '../crypto/envelope';
import { type KeyRing } from '../keys/key-ring';
import { type AuditLog } from '../persistence/audit-log';
import { CardRepository, type CardRow } from '../persistence/card.repository';
import { inTokenBatches } from './token-batches';

const ACTOR = 'system:envelope-upgrade';

/**
 * Moves envelope 1 records (the number sealed alone, the expiry in clear columns) to envelope 2, where the
 * expiry is sealed with the number and the clear columns are empty. Batches of records in token order, each in
 * one transaction that locks its rows (SKIP LOCKED: instances share the work and never do a record twice) and
 * records the batch in the audit log. Each card is opened with its data key and sealed again under the same key,
 * so other instances' cached keys stay valid. A record that cannot be opened here (its KEK is not loaded, or it
 * fails its integrity check) is left as it is and logged by token; it is still read as envelope 1.
 */
export class EnvelopeUpgrade {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: { ring: KeyRing; dekCache: DekCache },
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  /** Upgrades every envelope 1 record it can; answers how many it moved. */
  async run(batchSize = 200, signal?: AbortSignal): Promise<number> {
    const moved = await inTokenBatches(
      this.dataSource,
      batchSize,
      async (manager, after) => {
        const rows = await CardRepository.lockEnvelopeV1(manager, after, batchSize);
        let done = 0;
        for (const row of rows) {
          const sealed = this.resealed(row);
          if (sealed === undefined) continue;
          await CardRepository.reseal(manager, row.token, sealed);
          done++;
        }
        if (done) {
          await this.audit.appendWithin(manager, [
            {
              actor: ACTOR,
              action: 'envelope-upgrade',
              token: null,
              result: 'ok',
              reason: `${done} records`,
            },
          ]);
        }
        return { seen: rows.length, done, last: rows.at(-1)?.token };
      },
      { signal },
    );
    if (moved)
      this.logger.info(
        { records: moved },
        'card records moved to envelope 2 (expiry sealed with the number)',
      );
    return moved;
  }

  /** The envelope 2 ciphertext, null for a deleted record (no card left), undefined when it cannot be opened. */
  private resealed(row: CardRow): Buffer | null | undefined {
    if (!row.pan_sealed) return null;
    try {
      return withDataKey(this.keys, row, (dek) =>
        sealCard(dek, row.token, row.cardholder_ref, openCard(dek, row)),
      );
    } catch (e) {
      this.logger.error(
        { token: row.token, kekVersion: row.kek_version, error: e instanceof Error ? e.name : 'unknown' },
        'card record left in envelope 1: it cannot be opened here',
      );
      return undefined;
    }
  }
}
