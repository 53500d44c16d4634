import { type DataSource, type EntityManager } from 'typeorm';
import { type Refund } from '../domain/payment';
import { canRefundTransition, type RefundStatus } from '../domain/refund-status';
import { StaleStateError } from './stale-state.error';
import { returnedRows, type Row, strOrNull, toDate, toSafeInteger } from './sql-values';

type Db = DataSource | EntityManager;

export function rowToRefund(r: Row): Refund {
  return {
    id: String(r.id),
    paymentId: String(r.payment_id),
    outRefundNo: String(r.out_refund_no),
    status: String(r.status) as RefundStatus,
    version: Number(r.version),
    amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
    currency: String(r.currency),
    reason: strOrNull(r.reason),
    wechatRefundId: strOrNull(r.wechat_refund_id),
    failureCode: strOrNull(r.failure_code),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

export class IllegalRefundTransitionError extends Error {
  override readonly name = 'IllegalRefundTransitionError';
}

/** SQL for refunds; status changes are guarded by status and version like payments. */
export class RefundRepository {
  async insert(
    m: EntityManager,
    r: Pick<Refund, 'id' | 'paymentId' | 'outRefundNo' | 'amountMinor' | 'currency' | 'reason'>,
  ): Promise<Refund> {
    const rows: Row[] = await m.query(
      `INSERT INTO refund (id, payment_id, out_refund_no, status, amount_minor, currency, reason, next_check_at)
       VALUES ($1, $2, $3, 'REFUND_REQUESTED', $4, $5, $6, now()) RETURNING *`,
      [r.id, r.paymentId, r.outRefundNo, String(r.amountMinor), r.currency, r.reason],
    );
    return rowToRefund(rows[0]!);
  }

  async find(db: Db, id: string): Promise<Refund | undefined> {
    const rows: Row[] = await db.query(`SELECT * FROM refund WHERE id = $1`, [id]);
    return rows[0] ? rowToRefund(rows[0]) : undefined;
  }

  async findByOutRefundNo(db: Db, outRefundNo: string): Promise<Refund | undefined> {
    const rows: Row[] = await db.query(`SELECT * FROM refund WHERE out_refund_no = $1`, [outRefundNo]);
    return rows[0] ? rowToRefund(rows[0]) : undefined;
  }

  /** The refund under its row lock, read after the lock was taken (undefined: no such refund). */
  async lock(m: EntityManager, id: string): Promise<Refund | undefined> {
    const rows: Row[] = await m.query(`SELECT * FROM refund WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? rowToRefund(rows[0]) : undefined;
  }

  async lockByOutRefundNo(m: EntityManager, outRefundNo: string): Promise<Refund | undefined> {
    const rows: Row[] = await m.query(`SELECT * FROM refund WHERE out_refund_no = $1 FOR UPDATE`, [
      outRefundNo,
    ]);
    return rows[0] ? rowToRefund(rows[0]) : undefined;
  }

  async ofPayment(db: Db, paymentId: string): Promise<Refund[]> {
    const rows: Row[] = await db.query(`SELECT * FROM refund WHERE payment_id = $1 ORDER BY created_at, id`, [
      paymentId,
    ]);
    return rows.map(rowToRefund);
  }

  async ofPayments(db: Db, paymentIds: string[]): Promise<Map<string, Refund[]>> {
    const out = new Map<string, Refund[]>();
    if (paymentIds.length === 0) return out;
    const rows: Row[] = await db.query(
      `SELECT * FROM refund WHERE payment_id = ANY($1::uuid[]) ORDER BY created_at, id`,
      [paymentIds],
    );
    for (const r of rows.map(rowToRefund)) out.set(r.paymentId, [...(out.get(r.paymentId) ?? []), r]);
    return out;
  }

  async transition(
    m: EntityManager,
    r: Refund,
    to: RefundStatus,
    changes: { wechatRefundId?: string | null; failureCode?: string | null; nextCheckAt?: Date | null } = {},
  ): Promise<Refund> {
    if (r.status !== to && !canRefundTransition(r.status, to)) {
      throw new IllegalRefundTransitionError(`a refund cannot go from ${r.status} to ${to}`);
    }
    const terminal = to === 'REFUND_SUCCEEDED' || to === 'REFUND_FAILED';
    const nextCheckAt = 'nextCheckAt' in changes ? changes.nextCheckAt : terminal ? null : new Date();
    const row = returnedRows(
      await m.query(
        `UPDATE refund SET status = $3, version = version + 1, updated_at = now(),
                wechat_refund_id = COALESCE($4, wechat_refund_id), failure_code = COALESCE($5, failure_code),
                next_check_at = $6
          WHERE id = $1 AND version = $2 RETURNING *`,
        [r.id, r.version, to, changes.wechatRefundId ?? null, changes.failureCode ?? null, nextCheckAt],
      ),
    )[0];
    if (!row) throw new StaleStateError('refund', r.id);
    return rowToRefund(row);
  }

  /** As PaymentRepository.claimLease: `onTakeover` when the lease ran out under another owner. */
  async claimLease(
    db: Db,
    id: string,
    owner: string,
    ms: number,
    onTakeover?: () => void,
  ): Promise<Refund | undefined> {
    const row = returnedRows(
      await db.query(
        `UPDATE refund SET lease_owner = $2, lease_until = now() + ($3::integer * interval '1 millisecond')
           FROM (SELECT lease_owner AS previous_owner FROM refund WHERE id = $1) previous
          WHERE id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)
          RETURNING refund.*, previous.previous_owner IS NOT NULL
                    AND previous.previous_owner <> $2 AS taken_over`,
        [id, owner, ms],
      ),
    )[0];
    if (row?.taken_over === true) onTakeover?.();
    return row ? rowToRefund(row) : undefined;
  }

  async releaseLease(db: Db, id: string, owner: string): Promise<void> {
    await db.query(
      `UPDATE refund SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`,
      [id, owner],
    );
  }

  async postpone(db: Db, id: string, delayMs: number): Promise<void> {
    await db.query(
      `UPDATE refund SET next_check_at = now() + ($2::integer * interval '1 millisecond') WHERE id = $1`,
      [id, delayMs],
    );
  }

  async due(db: Db, limit: number): Promise<string[]> {
    const rows: Row[] = await db.query(
      `SELECT id FROM refund
        WHERE status NOT IN ('REFUND_SUCCEEDED', 'REFUND_FAILED') AND next_check_at <= now()
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY next_check_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => String(r.id));
  }
}
