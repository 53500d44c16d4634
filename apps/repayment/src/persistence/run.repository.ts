import { createHash } from 'crypto';
import { returnedRows, type Row } from '@wxpay/persistence';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Attempt, type AttemptKind, type Run, type RunStatus } from '../domain/runs/run';

const RUN_COLUMNS = `statement_id, plan_id, card_token, currency, amount_due_minor, minimum_due_minor,
  due_date::text AS due_date, status, status_reason, target_minor, manual_paid_minor, collected_minor, fallback,
  notice_at, deduct_at, deduct_days, last_chance_at, cutoff_at, notice_sent_at, posted_at`;
const ATTEMPT_COLUMNS = `id, statement_id, seq, kind, amount_minor, currency, out_trade_no, state, decline_class,
  reason, wechat_transaction_id, job_id, requested_at, finished_at`;

const date = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));

function toRun(r: Row): Run {
  return {
    statementId: String(r.statement_id),
    planId: str(r.plan_id),
    cardToken: String(r.card_token),
    currency: String(r.currency),
    amountDue: Number(r.amount_due_minor),
    minimumDue: Number(r.minimum_due_minor),
    dueDate: String(r.due_date),
    status: r.status as RunStatus,
    statusReason: str(r.status_reason),
    target: Number(r.target_minor),
    manualPaid: Number(r.manual_paid_minor),
    collected: Number(r.collected_minor),
    fallback: Boolean(r.fallback),
    noticeAt: date(r.notice_at),
    deductAt: date(r.deduct_at),
    deductDays: r.deduct_days === null ? null : Number(r.deduct_days),
    lastChanceAt: date(r.last_chance_at),
    cutoffAt: date(r.cutoff_at),
    noticeSentAt: date(r.notice_sent_at),
    postedAt: date(r.posted_at),
  };
}

function toAttempt(r: Row): Attempt {
  return {
    id: String(r.id),
    statementId: String(r.statement_id),
    seq: Number(r.seq),
    kind: r.kind as AttemptKind,
    amount: Number(r.amount_minor),
    currency: String(r.currency),
    outTradeNo: String(r.out_trade_no),
    state: r.state as Attempt['state'],
    declineClass: str(r.decline_class) as Attempt['declineClass'],
    reason: str(r.reason),
    wechatTransactionId: str(r.wechat_transaction_id),
    jobId: str(r.job_id),
    requestedAt: new Date(r.requested_at as string),
    finishedAt: date(r.finished_at),
  };
}

/**
 * Our order number for a deduction attempt: 'RP' + 24 hex of SHA-256(statement id) + the attempt number, 28
 * characters (WeChat allows 6–32 of [A-Za-z0-9_-|*]). Deterministic, so a re-run of the same attempt re-sends the
 * same order and WeChat Pay answers it again instead of deducting twice.
 */
export function outTradeNoFor(statementId: string, seq: number): string {
  const h = createHash('sha256').update(statementId).digest('hex').slice(0, 24);
  return `RP${h}${String(seq).padStart(2, '0')}`;
}

export interface NewRun {
  statementId: string;
  cardToken: string;
  currency: string;
  amountDue: number;
  minimumDue: number;
  dueDate: string;
}

export type RunChanges = Partial<
  Pick<
    Run,
    | 'planId'
    | 'status'
    | 'statusReason'
    | 'target'
    | 'manualPaid'
    | 'collected'
    | 'fallback'
    | 'noticeAt'
    | 'deductAt'
    | 'deductDays'
    | 'lastChanceAt'
    | 'cutoffAt'
    | 'noticeSentAt'
    | 'postedAt'
  >
>;

const RUN_FIELDS: Record<keyof RunChanges, string> = {
  planId: 'plan_id',
  status: 'status',
  statusReason: 'status_reason',
  target: 'target_minor',
  manualPaid: 'manual_paid_minor',
  collected: 'collected_minor',
  fallback: 'fallback',
  noticeAt: 'notice_at',
  deductAt: 'deduct_at',
  deductDays: 'deduct_days',
  lastChanceAt: 'last_chance_at',
  cutoffAt: 'cutoff_at',
  noticeSentAt: 'notice_sent_at',
  postedAt: 'posted_at',
};

export class RunRepository {
  /** Inserts the run unless the statement is known; answers whether it was new. */
  async insertIfNew(m: EntityManager, r: NewRun): Promise<boolean> {
    const rows: Row[] = await m.query(
      `INSERT INTO repayment_run (statement_id, card_token, currency, amount_due_minor, minimum_due_minor,
         due_date, status)
       VALUES ($1, $2, $3, $4, $5, $6, 'SKIPPED') ON CONFLICT (statement_id) DO NOTHING RETURNING 1`,
      [r.statementId, r.cardToken, r.currency, r.amountDue, r.minimumDue, r.dueDate],
    );
    return rows.length > 0;
  }

  async get(m: EntityManager, statementId: string, lock = false): Promise<Run | undefined> {
    const rows: Row[] = await m.query(
      `SELECT ${RUN_COLUMNS} FROM repayment_run WHERE statement_id = $1${lock ? ' FOR UPDATE' : ''}`,
      [statementId],
    );
    return rows[0] ? toRun(rows[0]) : undefined;
  }

  async update(m: EntityManager, statementId: string, changes: RunChanges): Promise<Run> {
    const keys = Object.keys(changes) as (keyof RunChanges)[];
    const sets = keys.map((k, i) => `${RUN_FIELDS[k]} = $${i + 2}`);
    const result: unknown = await m.query(
      `UPDATE repayment_run SET ${[...sets, 'updated_at = now()'].join(', ')}
        WHERE statement_id = $1 RETURNING ${RUN_COLUMNS}`,
      [statementId, ...keys.map((k) => changes[k])],
    );
    return toRun(returnedRows(result)[0]!);
  }

  /** Open runs of a plan, locked (pause, cancel, contract end). */
  async openForPlan(m: EntityManager, planId: string): Promise<Run[]> {
    const rows: Row[] = await m.query(
      `SELECT ${RUN_COLUMNS} FROM repayment_run
        WHERE plan_id = $1 AND status IN ('SCHEDULED', 'NOTICE_SENT', 'DEDUCTING') FOR UPDATE`,
      [planId],
    );
    return rows.map(toRun);
  }

  async page(
    m: EntityManager,
    filter: { planId?: string; statementId?: string },
    limit: number,
    after?: { dueDate: string; statementId: string },
  ): Promise<Run[]> {
    const rows: Row[] = await m.query(
      `SELECT ${RUN_COLUMNS} FROM repayment_run
        WHERE ($1::text IS NULL OR plan_id = $1) AND ($2::text IS NULL OR statement_id = $2)
          AND ($3::date IS NULL OR (due_date, statement_id) < ($3::date, $4::text))
        ORDER BY due_date DESC, statement_id DESC LIMIT $5`,
      [
        filter.planId ?? null,
        filter.statementId ?? null,
        after?.dueDate ?? null,
        after?.statementId ?? null,
        limit,
      ],
    );
    return rows.map(toRun);
  }

  async attempts(m: EntityManager, statementIds: readonly string[]): Promise<Attempt[]> {
    if (statementIds.length === 0) return [];
    const rows: Row[] = await m.query(
      `SELECT ${ATTEMPT_COLUMNS} FROM deduction_attempt WHERE statement_id = ANY($1) ORDER BY statement_id, seq`,
      [[...statementIds]],
    );
    return rows.map(toAttempt);
  }

  /** Deductions asked of WeChat Pay whose result has not been applied (an index-only count). */
  async deductionsInFlight(m: DataSource | EntityManager): Promise<number> {
    const rows: { n: string }[] = await m.query(
      `SELECT count(*) AS n FROM deduction_attempt WHERE state IN ('REQUESTED', 'ACCEPTED')`,
    );
    return Number(rows[0]!.n);
  }

  async attemptByOutTradeNo(m: EntityManager, outTradeNo: string): Promise<Attempt | undefined> {
    const rows: Row[] = await m.query(
      `SELECT ${ATTEMPT_COLUMNS} FROM deduction_attempt WHERE out_trade_no = $1`,
      [outTradeNo],
    );
    return rows[0] ? toAttempt(rows[0]) : undefined;
  }

  async attemptById(m: EntityManager, id: string): Promise<Attempt | undefined> {
    const rows: Row[] = await m.query(`SELECT ${ATTEMPT_COLUMNS} FROM deduction_attempt WHERE id = $1`, [id]);
    return rows[0] ? toAttempt(rows[0]) : undefined;
  }

  async insertAttempt(
    m: EntityManager,
    a: { statementId: string; kind: AttemptKind; amount: number; currency: string; jobId: string; at: Date },
  ): Promise<Attempt> {
    const rows: Row[] = await m.query(
      `SELECT coalesce(max(seq), 0) + 1 AS seq FROM deduction_attempt WHERE statement_id = $1`,
      [a.statementId],
    );
    const seq = Number(rows[0]!.seq);
    const inserted: Row[] = await m.query(
      `INSERT INTO deduction_attempt (statement_id, seq, kind, amount_minor, currency, out_trade_no, state, job_id,
         requested_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'REQUESTED', $7, $8) RETURNING ${ATTEMPT_COLUMNS}`,
      [a.statementId, seq, a.kind, a.amount, a.currency, outTradeNoFor(a.statementId, seq), a.jobId, a.at],
    );
    return toAttempt(inserted[0]!);
  }

  /**
   * REQUESTED → ACCEPTED once WeChat Pay took the order; answers false when the result was already applied (a
   * fast notification can settle the attempt before the apply call's answer is recorded: never overwrite it).
   */
  async markAccepted(m: EntityManager, id: string): Promise<boolean> {
    const result: unknown = await m.query(
      `UPDATE deduction_attempt SET state = 'ACCEPTED' WHERE id = $1 AND state = 'REQUESTED' RETURNING id`,
      [id],
    );
    return returnedRows(result).length > 0;
  }

  async finishAttempt(
    m: EntityManager,
    id: string,
    state: 'SUCCEEDED' | 'FAILED',
    details: { declineClass?: string; reason?: string; transactionId?: string; at?: Date } = {},
  ): Promise<void> {
    await m.query(
      `UPDATE deduction_attempt SET state = $2, decline_class = coalesce($3, decline_class),
         reason = coalesce($4, reason), wechat_transaction_id = coalesce($5, wechat_transaction_id),
         finished_at = $6
       WHERE id = $1`,
      [
        id,
        state,
        details.declineClass ?? null,
        details.reason ?? null,
        details.transactionId ?? null,
        details.at ?? null,
      ],
    );
  }

  async manualPaidFor(m: EntityManager, statementId: string): Promise<number> {
    const rows: Row[] = await m.query(
      `SELECT coalesce(sum(amount_minor), 0) AS paid FROM manual_repayment WHERE statement_id = $1`,
      [statementId],
    );
    return Number(rows[0]!.paid);
  }

  /** Records a manual repayment once per payment reference; answers whether it was new. */
  async recordManual(
    m: EntityManager,
    p: { paymentRef: string; statementId: string; amount: number; currency: string; channel: string },
  ): Promise<boolean> {
    const rows: Row[] = await m.query(
      `INSERT INTO manual_repayment (payment_ref, statement_id, amount_minor, currency, channel)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (payment_ref) DO NOTHING RETURNING 1`,
      [p.paymentRef, p.statementId, p.amount, p.currency, p.channel],
    );
    return rows.length > 0;
  }

  async insertPosting(m: EntityManager, statementId: string, attempt: Attempt): Promise<boolean> {
    const rows: Row[] = await m.query(
      `INSERT INTO repayment_posting (statement_id, attempt_id, amount_minor, currency, state)
       VALUES ($1, $2, $3, $4, 'PENDING') ON CONFLICT DO NOTHING RETURNING 1`,
      [statementId, attempt.id, attempt.amount, attempt.currency],
    );
    return rows.length > 0;
  }

  async posting(
    m: EntityManager,
    statementId: string,
  ): Promise<{ state: string; amount: number; currency: string; attemptId: string } | undefined> {
    const rows: Row[] = await m.query(
      `SELECT state, amount_minor, currency, attempt_id FROM repayment_posting WHERE statement_id = $1`,
      [statementId],
    );
    const r = rows[0];
    return r
      ? {
          state: String(r.state),
          amount: Number(r.amount_minor),
          currency: String(r.currency),
          attemptId: String(r.attempt_id),
        }
      : undefined;
  }

  /** A refused posting made pending again (an operator's RetryPosting); false if it was not refused. */
  async reopenPosting(m: EntityManager, statementId: string): Promise<boolean> {
    const result: unknown = await m.query(
      `UPDATE repayment_posting SET state = 'PENDING', response_code = NULL
        WHERE statement_id = $1 AND state = 'FAILED' RETURNING 1`,
      [statementId],
    );
    return returnedRows(result).length > 0;
  }

  async finishPosting(
    m: EntityManager,
    statementId: string,
    state: 'POSTED' | 'FAILED',
    d: { responseCode: string; rrn?: string; requestId?: string; at: Date },
  ): Promise<void> {
    await m.query(
      `UPDATE repayment_posting SET state = $2, response_code = $3, rrn = $4, request_id = $5, posted_at = $6
        WHERE statement_id = $1`,
      [
        statementId,
        state,
        d.responseCode,
        d.rrn ?? null,
        d.requestId ?? null,
        state === 'POSTED' ? d.at : null,
      ],
    );
  }
}
