import { type DataSource, type EntityManager } from 'typeorm';
import { prepared } from '@wxpay/persistence';
import { type ExtraWrites, returnedRows, type Row, strOrNull } from '../persistence/sql-values';
import { IdempotencyConflictError, IdempotencyInProgressError } from './idempotency-errors';

/** A stored answer: the response, or the typed error the first call ended with. */
export type StoredAnswer =
  | { ok: Record<string, unknown> }
  | { error: { code: number; message: string; reason?: string; field?: string } };

export type Claim =
  /** First use of the key: the caller creates its resource in the same transaction and records its id. */
  | { kind: 'first' }
  /** Answered before: replay it. */
  | { kind: 'replay'; answer: StoredAnswer }
  /** Started before and abandoned (its lease ran out): resume driving the same resource. */
  | { kind: 'resume'; resourceId: string | null };

/**
 * Which record: keys are scoped per calling service (its mTLS identity), so two callers never share a key space —
 * one caller cannot replay, conflict with or learn of another's call by reusing its key.
 */
export interface IdempotencyRef {
  caller: string;
  operation: string;
  key: string;
}

const WHERE_REF = `caller = $1 AND operation = $2 AND idempotency_key = $3`;
const refParams = (r: IdempotencyRef) => [r.caller, r.operation, r.key];

/**
 * Idempotency records. The row is written in the same transaction as the resource it creates, so a key either
 * names a resource or does not exist; a lease marks the first call as running.
 */
export class IdempotencyRepository {
  async claim(
    m: EntityManager,
    ref: IdempotencyRef,
    fingerprint: string,
    leaseMs: number,
    /** The resource the first call will create (recorded with the key in the same transaction). */
    resourceId: string | null = null,
  ): Promise<Claim> {
    const inserted: Row[] = await m.query(
      `INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, lease_until, resource_id)
       VALUES ($1, $2, $3, $4, now() + ($5::integer * interval '1 millisecond'), $6)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [...refParams(ref), fingerprint, leaseMs, resourceId],
    );
    if (inserted.length > 0) return { kind: 'first' };
    const rows: Row[] = await m.query(
      `SELECT fingerprint, resource_id, response, lease_until > now() AS running
         FROM idempotency_record WHERE ${WHERE_REF} FOR UPDATE`,
      refParams(ref),
    );
    const r = rows[0]!;
    if (r.fingerprint !== fingerprint) throw new IdempotencyConflictError();
    if (r.response) return { kind: 'replay', answer: r.response as StoredAnswer };
    if (r.running) throw new IdempotencyInProgressError();
    await m.query(
      `UPDATE idempotency_record SET lease_until = now() + ($4::integer * interval '1 millisecond')
        WHERE ${WHERE_REF}`,
      [...refParams(ref), leaseMs],
    );
    return { kind: 'resume', resourceId: strOrNull(r.resource_id) };
  }

  /**
   * The first use of the key and the resource it creates, in one statement (one round trip, atomic on its own):
   * `create`'s writes happen only if the key was new. Returns the row of the CTE `returning` (which must yield
   * one whenever the key is new), or undefined when the key exists: then nothing was written.
   */
  async claimWith(
    db: DataSource | EntityManager,
    ref: IdempotencyRef,
    fingerprint: string,
    leaseMs: number,
    resourceId: string,
    create: { writes: ExtraWrites; returning: string },
  ): Promise<Row | undefined> {
    const params: unknown[] = [...refParams(ref), fingerprint, leaseMs, resourceId];
    const ctes = [
      `claimed AS (
         INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, lease_until, resource_id)
         VALUES ($1, $2, $3, $4, now() + ($5::integer * interval '1 millisecond'), $6)
         ON CONFLICT DO NOTHING RETURNING resource_id)`,
      ...create.writes(params, 'claimed'),
    ];
    const rows: Row[] = await prepared(
      db,
      `WITH ${ctes.join(', ')} SELECT ${create.returning}.* FROM claimed, ${create.returning}`,
      params,
    );
    return rows[0];
  }

  async setResource(m: EntityManager, ref: IdempotencyRef, resourceId: string): Promise<void> {
    await m.query(`UPDATE idempotency_record SET resource_id = $4 WHERE ${WHERE_REF}`, [
      ...refParams(ref),
      resourceId,
    ]);
  }

  /** Stores the answer; later calls with the key replay it. */
  async complete(db: DataSource | EntityManager, ref: IdempotencyRef, answer: StoredAnswer): Promise<void> {
    await prepared(
      db,
      `UPDATE idempotency_record SET response = $4, completed_at = now(), lease_until = NULL
        WHERE ${WHERE_REF} AND response IS NULL`,
      [...refParams(ref), JSON.stringify(answer)],
    );
  }

  /** The first call ended without an answer to keep (outcome unknown): a retry may resume at once. */
  async release(db: DataSource | EntityManager, ref: IdempotencyRef): Promise<void> {
    await db.query(`UPDATE idempotency_record SET lease_until = NULL WHERE ${WHERE_REF}`, refParams(ref));
  }

  /** Forgets the key when the first call was refused before it changed anything. */
  async forget(db: DataSource | EntityManager, ref: IdempotencyRef): Promise<void> {
    await db.query(`DELETE FROM idempotency_record WHERE ${WHERE_REF} AND response IS NULL`, refParams(ref));
  }

  /** Deletes records older than the retention (at least 24 h), never ones still running. */
  async prune(db: DataSource | EntityManager, olderThanHours: number): Promise<number> {
    const result = await db.query(
      `DELETE FROM idempotency_record
        WHERE created_at < now() - ($1::integer * interval '1 hour') AND (lease_until IS NULL OR lease_until < now())`,
      [olderThanHours],
    );
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : returnedRows(result).length;
  }
}
