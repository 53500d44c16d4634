import { CommonErrors, DomainError } from '@wxpay/contracts';
import { type DataSource, type EntityManager } from 'typeorm';
import { prepared } from '../prepared';
import { returnedRows, type Row } from '../returned-rows';

/**
 * Which record: keys are scoped per calling service (its client certificate), so two callers never share a key
 * space — one cannot replay, conflict with or learn of another's call by reusing its key.
 */
export interface IdempotencyRef {
  readonly caller: string;
  readonly operation: string;
  readonly key: string;
}

/** A keyed call: its record and the digest of its request without the key. */
export interface IdempotentRequest extends IdempotencyRef {
  readonly fingerprint: string;
}

/** The first call's answer, replayed to every later call with the same key and request. */
export type StoredAnswer<T = unknown> =
  { ok: T } | { error: { code: string; message: string; field?: string } };

export type Claim =
  /** First use of the key: the caller creates its resource in the same transaction and records its id. */
  | { kind: 'first' }
  /** Answered before: replay it. */
  | { kind: 'replay'; answer: StoredAnswer }
  /** Started before and abandoned (its lease ran out): resume driving the same resource. */
  | { kind: 'resume'; resourceId: string | null };

/** Further writes of one statement (CTEs), given the parameters so far and the CTE that must have a row. */
export type ClaimWrites = (params: unknown[], guard: string) => string[];

type Db = DataSource | EntityManager;

const WHERE_REF = `caller = $1 AND operation = $2 AND idempotency_key = $3`;
const refParams = (r: IdempotencyRef) => [r.caller, r.operation, r.key];

export const idempotencyConflict = () =>
  new DomainError(
    CommonErrors.idempotencyConflict,
    'idempotency_key: used before with different parameters',
    {
      field: 'idempotency_key',
    },
  );

export const idempotencyInProgress = () =>
  new DomainError(
    CommonErrors.inProgress,
    'a call with this idempotency key is still in progress; retry it',
    {
      field: 'idempotency_key',
    },
  );

/** The table every service keeps its keys in (one shape, created by its migrations with this statement). */
export const IDEMPOTENCY_TABLE_SQL = `
  CREATE TABLE idempotency_record (
    caller          text NOT NULL,
    operation       text NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint     text NOT NULL,
    resource_id     text,
    response        jsonb,
    lease_until     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    PRIMARY KEY (caller, operation, idempotency_key)
  )`;

/**
 * Idempotency records, one implementation for every service. Two ways to use a key:
 * - `once`: the answer is computed and stored in one transaction with the change it answers for, so a key either
 *   names a committed change and its answer, or nothing; a concurrent duplicate waits on the key's row, then
 *   replays. For calls that do their work in the database.
 * - `claim` … `complete`: for calls that drive external work (a card authorisation) and cannot hold a
 *   transaction open: the key is claimed with a lease in the transaction that creates the resource, the answer is
 *   stored when known; a duplicate during the lease is told the first is in progress, and after a crash the next
 *   call resumes the same resource.
 * Either way the same key with another request is IDEMPOTENCY_CONFLICT, and answers are kept at least 24 h.
 */
export class IdempotencyStore {
  /** The stored answer, undefined when the key is unused or its first call has no answer yet. */
  async answered(db: Db, request: IdempotentRequest): Promise<StoredAnswer | undefined> {
    const rows: Row[] = await prepared(
      db,
      `SELECT fingerprint, response FROM idempotency_record WHERE ${WHERE_REF}`,
      refParams(request),
    );
    const row = rows[0];
    if (!row) return undefined;
    if (row.fingerprint !== request.fingerprint) throw idempotencyConflict();
    return (row.response as StoredAnswer | null) ?? undefined;
  }

  /**
   * Runs `work` once per key in a transaction that also stores its answer; `last` (if `work` returns one) runs
   * after the answer is stored, right before the commit. Failures store nothing: a retry runs again.
   */
  async once<T>(
    ds: DataSource,
    request: IdempotentRequest,
    work: (m: EntityManager) => Promise<{ value: T; last?: (m: EntityManager) => Promise<void> }>,
  ): Promise<{ value: T; replayed: boolean }> {
    const outcome = await ds.transaction(async (m) => {
      // Claimed first, so a concurrent duplicate waits here for the first to commit rather than working twice.
      const claimed: Row[] = await m.query(
        `INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint)
         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING 1`,
        [...refParams(request), request.fingerprint],
      );
      if (claimed.length === 0) return { claimed: false as const };
      const { value, last } = await work(m);
      await this.complete(m, request, { ok: value });
      await last?.(m);
      return { claimed: true as const, value };
    });
    if (outcome.claimed) return { value: outcome.value, replayed: false };
    const prior = await this.answered(ds, request);
    if (!prior) throw idempotencyInProgress();
    return { value: replay<T>(prior), replayed: true };
  }

  async claim(
    m: EntityManager,
    request: IdempotentRequest,
    leaseMs: number,
    resourceId: string | null = null,
  ) {
    const inserted: Row[] = await m.query(
      `INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, lease_until, resource_id)
       VALUES ($1, $2, $3, $4, now() + ($5::integer * interval '1 millisecond'), $6)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [...refParams(request), request.fingerprint, leaseMs, resourceId],
    );
    if (inserted.length > 0) return { kind: 'first' } as const;
    const rows: Row[] = await m.query(
      `SELECT fingerprint, resource_id, response, lease_until > now() AS running
         FROM idempotency_record WHERE ${WHERE_REF} FOR UPDATE`,
      refParams(request),
    );
    const r = rows[0]!;
    if (r.fingerprint !== request.fingerprint) throw idempotencyConflict();
    if (r.response) return { kind: 'replay', answer: r.response as StoredAnswer } satisfies Claim;
    if (r.running) throw idempotencyInProgress();
    await m.query(
      `UPDATE idempotency_record SET lease_until = now() + ($4::integer * interval '1 millisecond')
        WHERE ${WHERE_REF}`,
      [...refParams(request), leaseMs],
    );
    return {
      kind: 'resume',
      resourceId: typeof r.resource_id === 'string' ? r.resource_id : null,
    } satisfies Claim;
  }

  /**
   * The first use of the key and the resource it creates, in one statement (one round trip, atomic on its own):
   * `writes` run only if the key was new (guarded by the CTE `claimed`). Returns the row of the CTE `returning`
   * (which must yield one whenever the key is new), or undefined when the key exists: then nothing was written.
   */
  async claimWith(
    db: Db,
    request: IdempotentRequest,
    leaseMs: number,
    resourceId: string,
    create: { writes: ClaimWrites; returning: string },
  ): Promise<Row | undefined> {
    const params: unknown[] = [...refParams(request), request.fingerprint, leaseMs, resourceId];
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
  async complete(db: Db, ref: IdempotencyRef, answer: StoredAnswer): Promise<void> {
    await prepared(
      db,
      `UPDATE idempotency_record SET response = $4, completed_at = now(), lease_until = NULL
        WHERE ${WHERE_REF} AND response IS NULL`,
      [...refParams(ref), JSON.stringify(answer)],
    );
  }

  /** The first call ended without an answer to keep (outcome unknown): a retry may resume at once. */
  async release(db: Db, ref: IdempotencyRef): Promise<void> {
    await db.query(`UPDATE idempotency_record SET lease_until = NULL WHERE ${WHERE_REF}`, refParams(ref));
  }

  /** Forgets the key when the first call was refused before it changed anything. */
  async forget(db: Db, ref: IdempotencyRef): Promise<void> {
    await db.query(`DELETE FROM idempotency_record WHERE ${WHERE_REF} AND response IS NULL`, refParams(ref));
  }

  /** Deletes records older than the retention (their keys may then be used again), never ones still running. */
  async prune(db: Db, olderThanMs: number): Promise<number> {
    const result: unknown = await db.query(
      `DELETE FROM idempotency_record
        WHERE created_at < now() - ($1::bigint * interval '1 millisecond')
          AND (lease_until IS NULL OR lease_until < now())`,
      [Math.max(0, Math.floor(olderThanMs))],
    );
    return Array.isArray(result) && typeof result[1] === 'number' ? result[1] : returnedRows(result).length;
  }
}

/** The stored answer as the first call gave it: its value, or its error thrown again. */
export function replay<T>(answer: StoredAnswer): T {
  if ('error' in answer) {
    throw new DomainError(answer.error.code, answer.error.message, { field: answer.error.field });
  }
  return answer.ok as T;
}
