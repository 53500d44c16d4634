import { createHash } from 'crypto';
import { GrpcStatus, RpcError } from '@wxpay/grpc';
import { type Row } from '@wxpay/persistence';
import { type DataSource, type EntityManager } from 'typeorm';

/** Canonical JSON (keys sorted at every level) so the same parameters always give the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const conflict = () =>
  new RpcError(
    GrpcStatus.ALREADY_EXISTS,
    'idempotency_key: used before with different parameters',
    'idempotency_key',
    'IDEMPOTENCY_CONFLICT',
  );

/**
 * Idempotency keys, scoped per calling service (its mTLS identity) so two callers never share a key space. The
 * record is written in the same transaction as the change it answers for: a key either names a committed
 * change and its answer, or nothing. A concurrent call with the same key waits on the row and then replays.
 */
export class Idempotency {
  constructor(private readonly ds: DataSource) {}

  fingerprint(operation: string, params: Record<string, unknown>): string {
    return createHash('sha256')
      .update(`${operation}\n${canonical(params)}`)
      .digest('hex');
  }

  /** The stored answer for this key, if the same request was answered before (checked before slow work). */
  async lookup<T>(
    caller: string,
    operation: string,
    key: string,
    fingerprint: string,
  ): Promise<T | undefined> {
    const rows: Row[] = await this.ds.query(
      `SELECT fingerprint, response FROM idempotency_record
        WHERE caller = $1 AND operation = $2 AND idempotency_key = $3`,
      [caller, operation, key],
    );
    if (!rows[0]) return undefined;
    if (rows[0].fingerprint !== fingerprint) throw conflict();
    return rows[0].response as T;
  }

  async run<T>(
    caller: string,
    operation: string,
    key: string,
    fingerprint: string,
    work: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    return this.ds.transaction(async (m) => {
      const inserted: Row[] = await m.query(
        `INSERT INTO idempotency_record (caller, operation, idempotency_key, fingerprint, response)
         VALUES ($1, $2, $3, $4, 'null'::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
        [caller, operation, key, fingerprint],
      );
      if (inserted.length === 0) {
        const rows: Row[] = await m.query(
          `SELECT fingerprint, response FROM idempotency_record
            WHERE caller = $1 AND operation = $2 AND idempotency_key = $3`,
          [caller, operation, key],
        );
        if (rows[0]!.fingerprint !== fingerprint) throw conflict();
        return rows[0]!.response as T;
      }
      const answer = await work(m);
      await m.query(
        `UPDATE idempotency_record SET response = $4
          WHERE caller = $1 AND operation = $2 AND idempotency_key = $3`,
        [caller, operation, key, JSON.stringify(answer)],
      );
      return answer;
    });
  }

  async prune(olderThanHours: number): Promise<void> {
    await this.ds.query(
      `DELETE FROM idempotency_record WHERE created_at < now() - ($1::integer * interval '1 hour')`,
      [olderThanHours],
    );
  }
}
