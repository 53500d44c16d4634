import { randomUUID } from 'crypto';
import { type DataSource } from 'typeorm';
import {
  type BreakKind,
  type BreakSource,
  type ReconciliationBreak,
  type ReconciliationReport,
} from '../domain/reconciliation';
import { returnedRows, type Row, toDate, toDateOrNull, toSafeInteger } from './sql-values';
import { type EntityManager } from 'typeorm';
import { type TradeBillLine } from '../ports/trade-bill.port';

/** What the ledger booked on one business day, as reconciliation compares it. */
export interface LedgerItem {
  kind: 'CAPTURE' | 'REFUND_SETTLE';
  /** Payment id for captures, refund id for refunds. */
  reference: string;
  paymentId: string;
  outTradeNo: string;
  outRefundNo: string | null;
  amountMinor: number;
}

/** The scheduled run of one business date as recon_schedule holds it. */
export interface ScheduledRun {
  businessDate: string;
  attempts: number;
  /** Until then no replica claims the date (a live claim's lease, or the pause after a failed attempt). */
  leaseUntil: Date | null;
  done: boolean;
}

/** The claim on a business date's scheduled run no longer holds: another replica took it over, or it was done. */
export class ScheduledRunLostError extends Error {
  constructor(businessDate: string) {
    super(`the scheduled reconciliation of ${businessDate} is no longer this replica's to finish`);
    this.name = 'ScheduledRunLostError';
  }
}

/** Reconciliation's SQL: the day's ledger items, what was ever booked, and the stored runs and breaks. */
export class ReconciliationRepository {
  constructor(private readonly ds: DataSource) {}

  /**
   * Claims the scheduled run of `businessDate` under `claim` for `leaseMs` (real time, the database's clock):
   * the first claim of the date, or a claim whose lease ran out (its replica died or stalled, or the pause after
   * a failure is over) while fewer than `maxAttempts` were made. One statement, so of two replicas claiming at
   * once one gets it (the other waits on the row and then finds a live lease). Answers the attempt number this
   * claim is (above 1: an earlier one failed or its replica stopped), or undefined when the date is done, held by
   * a live lease, or given up.
   */
  async claimScheduledRun(
    businessDate: string,
    claim: string,
    leaseMs: number,
    maxAttempts: number,
  ): Promise<number | undefined> {
    const rows: Row[] = await this.ds.query(
      `INSERT INTO recon_schedule AS s (business_date, claim, lease_until)
       VALUES ($1, $2, now() + $3::integer * interval '1 millisecond')
       ON CONFLICT (business_date) DO UPDATE
          SET claim = EXCLUDED.claim, lease_until = EXCLUDED.lease_until, attempts = s.attempts + 1
        WHERE s.done_at IS NULL AND s.lease_until < now() AND s.attempts < $4
       RETURNING s.attempts`,
      [businessDate, claim, leaseMs, maxAttempts],
    );
    const row = rows[0];
    return row ? Number(row.attempts) : undefined;
  }

  /** Extends the lease of a claim that still holds; false once it does not (taken over, or done). */
  async renewScheduledRun(businessDate: string, claim: string, leaseMs: number): Promise<boolean> {
    const result: unknown = await this.ds.query(
      `UPDATE recon_schedule SET lease_until = now() + $3::integer * interval '1 millisecond'
        WHERE business_date = $1 AND claim = $2 AND done_at IS NULL
        RETURNING 1`,
      [businessDate, claim, leaseMs],
    );
    return returnedRows(result).length > 0;
  }

  /**
   * Records the date done with its run, in the transaction that stores the run's report; throws
   * ScheduledRunLostError (rolling the report back) if the claim no longer holds.
   */
  async finishScheduledRun(
    m: EntityManager,
    businessDate: string,
    claim: string,
    runId: string,
  ): Promise<void> {
    const result: unknown = await m.query(
      `UPDATE recon_schedule SET done_at = now(), run_id = $3, lease_until = NULL, last_error = NULL
        WHERE business_date = $1 AND claim = $2 AND done_at IS NULL
        RETURNING 1`,
      [businessDate, claim, runId],
    );
    if (returnedRows(result).length === 0) throw new ScheduledRunLostError(businessDate);
  }

  /** A failed attempt under a claim that still holds: kept with its error, claimable again after `pauseMs`. */
  async failScheduledRun(businessDate: string, claim: string, error: string, pauseMs: number): Promise<void> {
    await this.ds.query(
      `UPDATE recon_schedule
          SET lease_until = now() + $4::integer * interval '1 millisecond', last_error = $3
        WHERE business_date = $1 AND claim = $2 AND done_at IS NULL`,
      [businessDate, claim, error.slice(0, 500), pauseMs],
    );
  }

  async scheduledRun(businessDate: string): Promise<ScheduledRun | undefined> {
    const rows: Row[] = await this.ds.query(
      `SELECT attempts, lease_until, done_at FROM recon_schedule WHERE business_date = $1`,
      [businessDate],
    );
    const row = rows[0];
    return row
      ? {
          businessDate,
          attempts: Number(row.attempts),
          leaseUntil: toDateOrNull(row.lease_until),
          done: row.done_at !== null,
        }
      : undefined;
  }

  /** Starts a run; returns its id. */
  async startRun(businessDate: string): Promise<string> {
    const runId = randomUUID();
    await this.ds.query(`INSERT INTO recon_run (id, business_date) VALUES ($1, $2)`, [runId, businessDate]);
    return runId;
  }

  async ledgerItems(businessDate: string): Promise<LedgerItem[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT t.kind, t.reference, t.payment_id, p.out_trade_no, r.out_refund_no,
              sum(e.amount_minor) FILTER (WHERE e.account = 'unionpay:settlement') AS unionpay_minor
         FROM ledger_transaction t
         JOIN ledger_entry e ON e.transaction_id = t.id
         JOIN payment p ON p.id = t.payment_id
         LEFT JOIN refund r ON t.kind = 'REFUND_SETTLE' AND r.id::text = t.reference
        WHERE t.business_date = $1 AND t.kind IN ('CAPTURE', 'REFUND_SETTLE')
        GROUP BY t.id, t.kind, t.reference, t.payment_id, p.out_trade_no, r.out_refund_no`,
      [businessDate],
    );
    return rows.map((r) => ({
      kind: String(r.kind) as LedgerItem['kind'],
      reference: String(r.reference),
      paymentId: String(r.payment_id),
      outTradeNo: String(r.out_trade_no),
      outRefundNo: r.out_refund_no === null ? null : String(r.out_refund_no),
      // A capture credits the settlement account, a refund debits it.
      amountMinor: Math.abs(toSafeInteger(r.unionpay_minor, 'unionpay_minor')),
    }));
  }

  /** out_trade_no of payments with a capture and out_refund_no of refunds with a settlement, on any day. */
  async bookedReferences(bill: TradeBillLine[]): Promise<Set<string>> {
    const rows: Row[] = await this.ds.query(
      `SELECT p.out_trade_no AS ref FROM ledger_transaction t JOIN payment p ON p.id = t.payment_id
        WHERE t.kind = 'CAPTURE' AND p.out_trade_no = ANY($1::text[])
       UNION
       SELECT r.out_refund_no FROM ledger_transaction t JOIN refund r ON r.id::text = t.reference
        WHERE t.kind = 'REFUND_SETTLE' AND r.out_refund_no = ANY($2::text[])`,
      [
        bill.filter((b) => b.kind === 'PAYMENT').map((b) => b.reference),
        bill.filter((b) => b.kind === 'REFUND').map((b) => b.reference),
      ],
    );
    return new Set(rows.map((r) => String(r.ref)));
  }

  /**
   * Stores the run's counts and its breaks; each break gets its id. `commit`, when given, runs first in the same
   * transaction (the scheduled run's completion record) and may veto the whole by throwing.
   */
  async store(
    r: ReconciliationReport,
    commit?: (m: EntityManager, runId: string) => Promise<void>,
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      await commit?.(m, r.runId);
      await m.query(
        `UPDATE recon_run SET finished_at = $2, ledger_items = $3, unionpay_items = $4, wechatpay_items = $5,
                matched = $6 WHERE id = $1`,
        [r.runId, r.finishedAt, r.ledgerItems, r.unionpayItems, r.wechatpayItems, r.matched],
      );
      for (const b of r.breaks) {
        const rows: Row[] = await m.query(
          `INSERT INTO recon_break (run_id, kind, source, reference, detail, ledger_minor, counterparty_minor)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [r.runId, b.kind, b.source, b.reference, b.detail, b.ledgerMinor, b.counterpartyMinor],
        );
        b.id = String(rows[0]!.id);
      }
    });
  }

  async lockBreak(m: EntityManager, id: string): Promise<ReconciliationBreak | undefined> {
    const rows: Row[] = await m.query(
      `SELECT b.*, r.business_date FROM recon_break b JOIN recon_run r ON r.id = b.run_id
        WHERE b.id = $1 FOR UPDATE OF b`,
      [id],
    );
    return rows[0] ? breakOf(rows[0]) : undefined;
  }

  /** Breaks newest first (by id), open ones only unless asked, optionally of one business day. */
  async listBreaks(f: {
    includeResolved: boolean;
    businessDate?: string;
    beforeId?: string;
    limit: number;
  }): Promise<ReconciliationBreak[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT b.*, r.business_date FROM recon_break b JOIN recon_run r ON r.id = b.run_id
        WHERE ($1::boolean OR b.resolved_at IS NULL)
          AND ($2::date IS NULL OR r.business_date = $2::date)
          AND ($3::bigint IS NULL OR b.id < $3::bigint)
        ORDER BY b.id DESC LIMIT $4`,
      [f.includeResolved, f.businessDate ?? null, f.beforeId ?? null, f.limit],
    );
    return rows.map(breakOf);
  }

  async resolveBreak(
    m: EntityManager,
    id: string,
    resolution: { operator: string; note: string },
  ): Promise<ReconciliationBreak> {
    const result: unknown = await m.query(
      `UPDATE recon_break b SET resolved_by = $2, resolution_note = $3, resolved_at = now()
         FROM recon_run r
        WHERE b.id = $1 AND b.resolved_at IS NULL AND r.id = b.run_id
        RETURNING b.*, r.business_date`,
      [id, resolution.operator, resolution.note],
    );
    return breakOf(returnedRows(result)[0]!);
  }
}

function nullableMinor(v: unknown, column: string): number | null {
  return v === null ? null : toSafeInteger(v, column);
}

function breakOf(r: Row): ReconciliationBreak {
  return {
    id: String(r.id),
    kind: String(r.kind) as BreakKind,
    source: String(r.source) as BreakSource,
    reference: String(r.reference),
    detail: String(r.detail),
    ledgerMinor: nullableMinor(r.ledger_minor, 'ledger_minor'),
    counterpartyMinor: nullableMinor(r.counterparty_minor, 'counterparty_minor'),
    ...(r.business_date ? { businessDate: dateOnly(r.business_date) } : {}),
    ...(r.resolved_at
      ? {
          resolution: {
            operator: String(r.resolved_by),
            note: String(r.resolution_note),
            resolvedAt: toDate(r.resolved_at),
          },
        }
      : {}),
  };
}

/** A `date` column as YYYY-MM-DD (node-postgres may answer a Date at local midnight or the text). */
function dateOnly(v: unknown): string {
  if (v instanceof Date) {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${v.getFullYear()}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}`;
  }
  return String(v).slice(0, 10);
}
