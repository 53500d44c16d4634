import { randomUUID } from 'crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Row, toSafeInteger } from '../persistence/sql-values';
import { imbalance, type Posting } from './ledger-accounts';

export class UnbalancedPostingError extends Error {
  override readonly name = 'UnbalancedPostingError';
}

export interface UnbalancedTransaction {
  transactionId: string;
  currency: string | null;
  imbalanceMinor: number;
}

/** Business days are Asia/Shanghai calendar days (WeChat Pay's bills and UnionPay's files use them). */
export function businessDateOf(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Appends balanced postings inside the caller's transaction (the one that changes the payment's state). A posting
 * is unique per (kind, reference): posting it again is a no-op, so a redelivered notification or a retried step
 * can never book money twice. The database re-checks the balance at commit.
 */
export class LedgerService {
  async post(m: EntityManager, posting: Posting, at: Date = new Date()): Promise<boolean> {
    if (imbalance(posting.lines).size > 0 || posting.lines.length < 2) {
      throw new UnbalancedPostingError(`${posting.kind} ${posting.reference} does not balance`);
    }
    const id = randomUUID();
    const inserted: Row[] = await m.query(
      `INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kind, reference) DO NOTHING RETURNING id`,
      [id, posting.kind, posting.reference, posting.paymentId, businessDateOf(at)],
    );
    if (inserted.length === 0) return false;
    const values: string[] = [];
    const params: unknown[] = [id];
    for (const l of posting.lines) {
      params.push(l.account, String(l.amountMinor), l.currency);
      values.push(`($1, $${params.length - 2}, $${params.length - 1}, $${params.length})`);
    }
    await m.query(
      `INSERT INTO ledger_entry (transaction_id, account, amount_minor, currency) VALUES ${values.join(', ')}`,
      params,
    );
    return true;
  }

  /** Every transaction that does not sum to zero per currency, or has fewer than two entries (SQL function). */
  async unbalanced(db: DataSource | EntityManager): Promise<UnbalancedTransaction[]> {
    const rows: Row[] = await db.query(`SELECT * FROM ledger_unbalanced()`);
    return rows.map((r) => ({
      transactionId: String(r.transaction_id),
      currency: r.currency === null ? null : String(r.currency).trim(),
      imbalanceMinor: toSafeInteger(r.imbalance_minor, 'imbalance_minor'),
    }));
  }

  async counts(db: DataSource | EntityManager): Promise<{ transactions: number; entries: number }> {
    const rows: Row[] = await db.query(
      `SELECT (SELECT count(*) FROM ledger_transaction) AS t, (SELECT count(*) FROM ledger_entry) AS e`,
    );
    return { transactions: Number(rows[0]!.t), entries: Number(rows[0]!.e) };
  }

  /** The balance of one account per currency (debits minus credits). */
  async balance(db: DataSource | EntityManager, account: string): Promise<Map<string, number>> {
    const rows: Row[] = await db.query(
      `SELECT currency, sum(amount_minor) AS total FROM ledger_entry WHERE account = $1 GROUP BY currency`,
      [account],
    );
    return new Map(rows.map((r) => [String(r.currency).trim(), toSafeInteger(r.total, 'total')]));
  }
}
