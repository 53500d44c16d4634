import { type DataSource, type EntityManager } from 'typeorm';
import {
  type Payment,
  type PayerAction,
  type RiskDecision,
  type Scene,
  type TradeType,
} from '../domain/payment';
import { type PaymentStatus } from '../domain/payment-status';
import { StaleStateError } from './stale-state.error';
import {
  type ExtraWrites,
  returnedRows,
  type Row,
  strOrNull,
  toDate,
  toDateOrNull,
  toSafeInteger,
  toStringArray,
} from './sql-values';
import { insertWrites, type LeaseGrant } from './payment-writes';
import { prepared } from '@wxpay/persistence';

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

/** One row of the payment's history (payment_transition). */
export interface HistoryRow {
  from: PaymentStatus;
  to: PaymentStatus;
  actor: string;
  reason?: string;
}

/** What one guarded statement does to a payment (see PaymentRepository.write). */
export interface PaymentWrite {
  /** The status afterwards (the current one for a change of fields only). */
  to: PaymentStatus;
  changes: PaymentChanges;
  /** Moves folded into this write: the version goes up by as many, as if each had been written on its own. */
  moves: number;
  history: HistoryRow[];
}

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
  | 'traceparent'
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
    traceparent: strOrNull(r.traceparent),
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

/** SQL for payments. Every change goes through `write`, guarded by the version it was read at. */
export class PaymentRepository {
  /** Inserts a CREATED payment; `extra`: further writes of the same statement (see insertWrites). */
  async insert(
    db: Db,
    p: NewPayment,
    opts: { lease?: LeaseGrant; extra?: ExtraWrites } = {},
  ): Promise<Payment> {
    const params: unknown[] = [];
    const ctes = [...insertWrites(p, opts.lease)(params), ...(opts.extra?.(params, 'created') ?? [])];
    const rows = returnedRows(await prepared(db, `WITH ${ctes.join(', ')} SELECT * FROM created`, params));
    return rowToPayment(rows[0]!);
  }

  async find(db: Db, id: string): Promise<Payment | undefined> {
    const rows: Row[] = await prepared(db, `SELECT * FROM payment WHERE id = $1`, [id]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  async findByOutTradeNo(db: Db, outTradeNo: string): Promise<Payment | undefined> {
    const rows: Row[] = await db.query(`SELECT * FROM payment WHERE out_trade_no = $1`, [outTradeNo]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  async lockByOutTradeNo(m: EntityManager, outTradeNo: string): Promise<Payment | undefined> {
    const rows: Row[] = await prepared(m, `SELECT * FROM payment WHERE out_trade_no = $1 FOR UPDATE`, [
      outTradeNo,
    ]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  /** Reads and locks several rows, in out_trade_no order (two lockers of overlapping sets cannot deadlock). */
  async lockManyByOutTradeNo(m: EntityManager, outTradeNos: string[]): Promise<Payment[]> {
    if (outTradeNos.length === 0) return [];
    const rows: Row[] = await prepared(
      m,
      `SELECT * FROM payment WHERE out_trade_no = ANY($1::text[]) ORDER BY out_trade_no FOR UPDATE`,
      [outTradeNos],
    );
    return rows.map(rowToPayment);
  }

  /** Reads the row and locks it until the transaction ends (refund reservations, cancel). */
  async lock(m: EntityManager, id: string): Promise<Payment | undefined> {
    const rows: Row[] = await m.query(`SELECT * FROM payment WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? rowToPayment(rows[0]) : undefined;
  }

  /** Field changes without a status change (e.g. a refund reservation, the next check time), same guard. */
  async amend(m: Db, p: Payment, changes: PaymentChanges): Promise<Payment> {
    return this.write(m, p, { to: p.status, changes, moves: 1, history: [] });
  }

  /**
   * One guarded statement: the payment row (status, fields, version + moves) if it is still at the version it
   * was read at, its history rows, and whatever `extra` adds (ledger postings, outbox events), each written only
   * if the guarded update matched. A statement is atomic by itself, so on a DataSource this is one round trip
   * and one commit; on an EntityManager it joins the caller's transaction. Throws StaleStateError (nothing
   * written) when another actor moved the payment first.
   */
  async write(db: Db, p: Payment, w: PaymentWrite, extra?: ExtraWrites): Promise<Payment> {
    const params: unknown[] = [p.id, p.version, w.to, w.moves];
    const sets = ['status = $3', 'version = version + $4::integer', 'updated_at = now()'];
    for (const [key, value] of Object.entries(w.changes)) {
      const column = MUTABLE_COLUMNS[key as keyof typeof MUTABLE_COLUMNS];
      if (!column || value === undefined) continue;
      params.push(columnValue(column, value));
      sets.push(`${column} = $${params.length}`);
    }
    const ctes = [
      `changed AS (UPDATE payment SET ${sets.join(', ')} WHERE id = $1 AND version = $2 RETURNING *)`,
    ];
    if (w.history.length > 0) {
      params.push(
        w.history.map((h) => h.from),
        w.history.map((h) => h.to),
        w.history.map((h) => h.reason ?? null),
        w.history.map((h) => h.actor),
      );
      const n = params.length;
      ctes.push(`history AS (
        INSERT INTO payment_transition (payment_id, from_status, to_status, reason, actor)
        SELECT changed.id, h.from_status, h.to_status, h.reason, h.actor
          FROM changed, unnest($${n - 3}::text[], $${n - 2}::text[], $${n - 1}::text[], $${n}::text[])
               WITH ORDINALITY AS h(from_status, to_status, reason, actor, ord)
         ORDER BY h.ord)`);
    }
    ctes.push(...(extra?.(params, 'changed') ?? []));
    const updated = returnedRows(
      await prepared(db, `WITH ${ctes.join(', ')} SELECT * FROM changed`, params),
    )[0];
    if (!updated) throw new StaleStateError('payment', p.id);
    return rowToPayment(updated);
  }

  /**
   * Takes the payment's driving lease (the only actor allowed to call counterparties for it) unless another
   * actor holds an unexpired one. Returns the payment when taken. `onTakeover` runs when the lease taken had run
   * out under another owner (one that died or stalled: drivers release theirs when done).
   */
  async claimLease(
    db: Db,
    id: string,
    owner: string,
    ms: number,
    onTakeover?: () => void,
  ): Promise<Payment | undefined> {
    const row = returnedRows(
      await prepared(
        db,
        `UPDATE payment SET lease_owner = $2, lease_until = now() + ($3::integer * interval '1 millisecond')
           FROM (SELECT lease_owner AS previous_owner FROM payment WHERE id = $1) previous
          WHERE id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)
          RETURNING payment.*, previous.previous_owner IS NOT NULL
                    AND previous.previous_owner <> $2 AS taken_over`,
        [id, owner, ms],
      ),
    )[0];
    if (row?.taken_over === true) onTakeover?.();
    return row ? rowToPayment(row) : undefined;
  }

  /** Gives the lease back; returns the payment as it is now (undefined if the lease was no longer ours). */
  async releaseLease(db: Db, id: string, owner: string): Promise<Payment | undefined> {
    const row = returnedRows(
      await prepared(
        db,
        `UPDATE payment SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2 RETURNING *`,
        [id, owner],
      ),
    )[0];
    return row ? rowToPayment(row) : undefined;
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
