import { randomUUID } from 'crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Row, toSafeInteger } from './sql-values';
import { businessDateOf, imbalance, type Posting } from '../domain/ledger-accounts';

export class UnbalancedPostingError extends Error {
  override readonly name = 'UnbalancedPostingError';
}

export interface UnbalancedTransaction {
  transactionId: string;
  currency: string | null;
  imbalanceMinor: number;
}

/**
 * Appends balanced postings inside the caller's transaction (the one that changes the payment's state). A posting
 * is unique per (kind, reference): posting it again is a no-op, so a redelivered notification or a retried step
 * can never book money twice. The database re-checks the balance at commit.
 */
export class LedgerRepository {
  async post(m: EntityManager, posting: Posting, at: Date = new Date()): Promise<boolean> {
    const params: unknown[] = [];
    const ctes = this.postingWrites(posting, params, 'posting', undefined, at);
    const rows: Row[] = await m.query(
      `WITH ${ctes.join(', ')} SELECT count(*)::int AS n FROM posting_txn`,
      params,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /**
   * The posting as CTE definitions (`<name>_txn`, `<name>_entries`) for a statement that also changes the payment:
   * the transaction row (a no-op if this kind and reference is booked already) and its entries, written only if
   * the CTE `guard` (when given) returned a row. Throws UnbalancedPostingError before anything is written.
   */
  postingWrites(
    posting: Posting,
    params: unknown[],
    name: string,
    guard: string | undefined,
    at: Date = new Date(),
  ): string[] {
    if (imbalance(posting.lines).size > 0 || posting.lines.length < 2) {
      throw new UnbalancedPostingError(`${posting.kind} ${posting.reference} does not balance`);
    }
    params.push(randomUUID(), posting.kind, posting.reference, posting.paymentId, businessDateOf(at));
    const t = params.length - 4;
    params.push(
      posting.lines.map((l) => l.account),
      posting.lines.map((l) => String(l.amountMinor)),
      posting.lines.map((l) => l.currency),
    );
    const e = params.length - 2;
    const source = guard ? ` FROM (SELECT 1 FROM ${guard} LIMIT 1) AS only_if` : '';
    return [
      `${name}_txn AS (
         INSERT INTO ledger_transaction (id, kind, reference, payment_id, business_date)
         SELECT $${t}::uuid, $${t + 1}, $${t + 2}, $${t + 3}::uuid, $${t + 4}::date${source}
         ON CONFLICT (kind, reference) DO NOTHING RETURNING id)`,
      `${name}_entries AS (
         INSERT INTO ledger_entry (transaction_id, account, amount_minor, currency)
         SELECT txn.id, l.account, l.amount_minor, l.currency
           FROM ${name}_txn AS txn,
                unnest($${e}::text[], $${e + 1}::bigint[], $${e + 2}::text[])
                WITH ORDINALITY AS l(account, amount_minor, currency, ord)
          ORDER BY l.ord)`,
    ];
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
