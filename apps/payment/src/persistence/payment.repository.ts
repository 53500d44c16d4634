import { type DataSource, type EntityManager } from 'typeorm';
import {
  type Payment,
  type PayerAction,
  type RiskDecision,
  type Scene,
  type TradeType,
} from '../domain/payment';
import { assertTransition, type PaymentStatus, RESTING_STATUSES } from '../domain/payment-status';
import { StaleStateError } from './stale-state.error';
import {
  returnedRows,
  type Row,
  strOrNull,
  toDate,
  toDateOrNull,
  toSafeInteger,
  toStringArray,
} from './sql-values';

type Db = DataSource | EntityManager;

/** Fields a transition may change besides the status (camelCase → column). */
const MUTABLE_COLUMNS = {
  riskDecision: 'risk_decision',
  riskDecisionId: 'risk_decision_id',
  riskReasons: 'risk_reasons',
  authCode: 'auth_code',
  channelRef: 'channel_ref',
  payerAction: 'payer_action',
  orderExpiresAt: 'order_expires_at',
  wechatTransactionId: 'wechat_transaction_id',
  capturedMinor: 'captured_minor',
  refundedMinor: 'refunded_minor',
  refundReservedMinor: 'refund_reserved_minor',
  failureCode: 'failure_code',
  failureMessage: 'failure_message',
  failureReasons: 'failure_reasons',
  reversalReason: 'reversal_reason',
  cancelRequested: 'cancel_requested',
  nextCheckAt: 'next_check_at',
} as const;

const JSON_COLUMNS = new Set(['risk_reasons', 'payer_action', 'failure_reasons']);

export type PaymentChanges = Partial<Pick<Payment, Exclude<keyof typeof MUTABLE_COLUMNS, 'nextCheckAt'>>> & {
  /** When the janitor should look at the payment next (null: never, it is at rest). */
  nextCheckAt?: Date | null;
};

export type NewPayment = Pick<
  Payment,
  | 'id'
  | 'outTradeNo'
  | 'cardToken'
  | 'amountMinor'
  | 'currency'
  | 'merchantId'
  | 'mcc'
  | 'scene'
  | 'tradeType'
  | 'description'
  | 'payerOpenid'
  | 'payerIp'
  | 'deviceId'
  | 'traceId'
>;

export function rowToPayment(r: Row): Payment {
  return {
    id: String(r.id),
    outTradeNo: String(r.out_trade_no),
    status: String(r.status) as PaymentStatus,
    version: Number(r.version),
    cardToken: String(r.card_token),
    amountMinor: toSafeInteger(r.amount_minor, 'amount_minor'),
    currency: String(r.currency),
    merchantId: String(r.merchant_id),
    mcc: String(r.mcc),
    scene: String(r.scene) as Scene,
    tradeType: String(r.trade_type) as TradeType,
    description: String(r.description),
    payerOpenid: strOrNull(r.payer_openid),
    payerIp: strOrNull(r.payer_ip),
    deviceId: strOrNull(r.device_id),
    riskDecision: strOrNull(r.risk_decision) as RiskDecision | null,
    riskDecisionId: strOrNull(r.risk_decision_id),
    riskReasons: toStringArray(r.risk_reasons),
    authCode: strOrNull(r.auth_code),
    channelRef: strOrNull(r.channel_ref),
    payerAction: (r.payer_action as PayerAction | null) ?? null,
    orderExpiresAt: toDateOrNull(r.order_expires_at),
    wechatTransactionId: strOrNull(r.wechat_transaction_id),
    capturedMinor: toSafeInteger(r.captured_minor, 'captured_minor'),
    refundedMinor: toSafeInteger(r.refunded_minor, 'refunded_minor'),
    refundReservedMinor: toSafeInteger(r.refund_reserved_minor, 'refund_reserved_minor'),
    failureCode: strOrNull(r.failure_code),
    failureMessage: strOrNull(r.failure_message),
    failureReasons: toStringArray(r.failure_reasons),
    reversalReason: strOrNull(r.reversal_reason),
    cancelRequested: Boolean(r.cancel_requested),
    traceId: String(r.trace_id),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

function columnValue(column: string, value: unknown): unknown {
  if (JSON_COLUMNS.has(column)) return value === null ? null : JSON.stringify(value);
  return value;
}

export interface ListFilter {
  merchantId?: string;
  cardToken?: string;
  status?: PaymentStatus;
  /** Keyset cursor: strictly older than this (created_at, id). */
  before?: { createdAt: Date; id: string };
  limit: number;
}

/** SQL for payments. Every status change goes through `transition`, guarded by status and version. */
export class PaymentRepository {
  async insert(m: EntityManager, p: NewPayment): Promise<Payment> {
    const rows: Row[] = await m.query(
      `INSERT INTO payment (id, out_trade_no, status, card_token, amount_minor, currency, merchant_id, mcc, scene,
                            trade_type, description, payer_openid, payer_ip, device_id, trace_id, next_check_at)
       VALUES ($1, $2, 'CREATED', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
       RETURNING *`,
      [
        p.id,
        p.outTradeNo,
        p.cardToken,
        String(p.amountMinor),
        p.currency,
        p.merchantId,
        p.mcc,
        p.scene,
        p.tradeType,
        p.description,
        p.payerOpenid,
        p.payerIp,
        p.deviceId,
        p.traceId,
      ],
    );
    return rowToPayment(rows[0]!);
  }

  async find(db: Db, id: string): Promise<Payment | undefined> {
    const rows: Row[] = await db.query(`SELECT * FROM payment WHERE id = $1`, [id]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  async findByOutTradeNo(db: Db, outTradeNo: string): Promise<Payment | undefined> {
    const rows: Row[] = await db.query(`SELECT * FROM payment WHERE out_trade_no = $1`, [outTradeNo]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  async lockByOutTradeNo(m: EntityManager, outTradeNo: string): Promise<Payment | undefined> {
    const rows: Row[] = await m.query(`SELECT * FROM payment WHERE out_trade_no = $1 FOR UPDATE`, [
      outTradeNo,
    ]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  /** Reads the row and locks it until the transaction ends (refund reservations, cancel). */
  async lock(m: EntityManager, id: string): Promise<Payment | undefined> {
    const rows: Row[] = await m.query(`SELECT * FROM payment WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  /**
   * Moves `p` to `to` if it is still in the status and version it was read at; records the transition. Throws
   * StaleStateError when another actor moved it first (nothing is written).
   */
  async transition(
    m: EntityManager,
    p: Payment,
    to: PaymentStatus,
    changes: PaymentChanges,
    audit: { actor: string; reason?: string },
  ): Promise<Payment> {
    assertTransition(p.status, to);
    return this.update(m, p, to, changes, audit);
  }

  /** Field changes without a status change (e.g. a refund reservation, the next check time), same guard. */
  async amend(m: EntityManager, p: Payment, changes: PaymentChanges): Promise<Payment> {
    return this.update(m, p, p.status, changes, undefined);
  }

  private async update(
    m: EntityManager,
    p: Payment,
    to: PaymentStatus,
    changes: PaymentChanges,
    audit: { actor: string; reason?: string } | undefined,
  ): Promise<Payment> {
    const sets = ['status = $3', 'version = version + 1', 'updated_at = now()'];
    const params: unknown[] = [p.id, p.version, to];
    const effective: PaymentChanges = { ...changes };
    if (audit && !('nextCheckAt' in changes)) {
      // At rest nothing is due; anything else is looked at again once the current actor's lease has passed.
      effective.nextCheckAt = RESTING_STATUSES.includes(to) && to !== 'AWAITING_PAYER' ? null : new Date();
    }
    for (const [key, value] of Object.entries(effective)) {
      const column = MUTABLE_COLUMNS[key as keyof typeof MUTABLE_COLUMNS];
      if (!column || value === undefined) continue;
      params.push(columnValue(column, value));
      sets.push(`${column} = $${params.length}`);
    }
    const updated = returnedRows(
      await m.query(
        `UPDATE payment SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *`,
        params,
      ),
    )[0];
    if (!updated) throw new StaleStateError('payment', p.id);
    if (audit && to !== p.status) {
      await m.query(
        `INSERT INTO payment_transition (payment_id, from_status, to_status, reason, actor) VALUES ($1, $2, $3, $4, $5)`,
        [p.id, p.status, to, audit.reason ?? null, audit.actor],
      );
    }
    return rowToPayment(updated);
  }

  /**
   * Takes the payment's driving lease (the only actor allowed to call counterparties for it) unless another
   * actor holds an unexpired one. Returns the payment when taken.
   */
  async claimLease(db: Db, id: string, owner: string, ms: number): Promise<Payment | undefined> {
    const row = returnedRows(
      await db.query(
        `UPDATE payment SET lease_owner = $2, lease_until = now() + ($3::integer * interval '1 millisecond')
          WHERE id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)
          RETURNING *`,
        [id, owner, ms],
      ),
    )[0];
    return row ? rowToPayment(row) : undefined;
  }

  async releaseLease(db: Db, id: string, owner: string): Promise<void> {
    await db.query(
      `UPDATE payment SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2`,
      [id, owner],
    );
  }

  /** Looks at the payment again after `delayMs` (a counterparty did not answer; no state change). */
  async postpone(db: Db, id: string, delayMs: number): Promise<void> {
    await db.query(
      `UPDATE payment SET next_check_at = now() + ($2::integer * interval '1 millisecond') WHERE id = $1`,
      [id, delayMs],
    );
  }

  /** Payments the janitor should look at now: due, not at rest (or awaiting the payer), lease free. */
  async due(db: Db, limit: number): Promise<string[]> {
    const rows: Row[] = await db.query(
      `SELECT id FROM payment
        WHERE status NOT IN ('CAPTURED', 'PARTIALLY_REFUNDED', 'REFUNDED', 'REVERSED', 'CANCELLED', 'FAILED',
                             'CAPTURE_FAILED')
          AND next_check_at <= now()
          AND (lease_until IS NULL OR lease_until < now())
        ORDER BY next_check_at
        LIMIT $1`,
      [limit],
    );
    return rows.map((r) => String(r.id));
  }

  async list(db: Db, f: ListFilter): Promise<Payment[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.merchantId) add('merchant_id = ?', f.merchantId);
    if (f.cardToken) add('card_token = ?', f.cardToken);
    if (f.status) add('status = ?', f.status);
    if (f.before) {
      params.push(f.before.createdAt, f.before.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(f.limit);
    const rows: Row[] = await db.query(
      `SELECT * FROM payment ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(rowToPayment);
  }

  /** Payments created on one Asia/Shanghai business day (reconciliation's list of orders to look up). */
  async createdOn(db: Db, businessDate: string): Promise<Payment[]> {
    const rows: Row[] = await db.query(
      `SELECT * FROM payment
        WHERE created_at >= ($1::date::timestamp AT TIME ZONE 'Asia/Shanghai')
          AND created_at <  (($1::date + 1)::timestamp AT TIME ZONE 'Asia/Shanghai')
        ORDER BY created_at`,
      [businessDate],
    );
    return rows.map(rowToPayment);
  }
}
