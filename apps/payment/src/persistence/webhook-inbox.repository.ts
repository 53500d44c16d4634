import { prepared } from '@wxpay/persistence';
import { type DataSource, type EntityManager } from 'typeorm';
import { type InboxRow } from './inbox-finals';
import { returnedRows, type Row } from './sql-values';

function toInboxRow(r: Row): InboxRow {
  return {
    seq: String(r.seq),
    notificationId: String(r.notification_id),
    endpoint: String(r.endpoint),
    eventType: String(r.event_type),
    aggregateRef: String(r.aggregate_ref),
    factType: String(r.fact_type),
    facts: r.facts as Record<string, unknown>,
    attempts: Number(r.attempts),
    traceparent: r.traceparent === null || r.traceparent === undefined ? null : String(r.traceparent),
  };
}

/** The worker's side of webhook_inbox: claiming due rows, putting one back for later. */
export class WebhookInboxRepository {
  /** The due rows, in arrival order, taken from other workers (SKIP LOCKED) and counted as one more attempt. */
  async claimDue(db: DataSource | EntityManager, batchSize: number, leaseMs: number): Promise<InboxRow[]> {
    return returnedRows(
      await prepared(
        db,
        `UPDATE webhook_inbox SET attempts = attempts + 1,
                next_attempt_at = now() + ($2::integer * interval '1 millisecond')
          WHERE seq IN (SELECT seq FROM webhook_inbox
                         WHERE status = 'PENDING' AND next_attempt_at <= now()
                         ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING *`,
        [batchSize, leaseMs],
      ),
    )
      .map(toInboxRow)
      .sort((a, b) => Number(a.seq) - Number(b.seq));
  }

  /**
   * Locks a row claimed for one-by-one processing, in the transaction that applies it, if it is still PENDING:
   * false when another worker applied it meanwhile (this one outlived its claim lease). Held to the commit, so a
   * second worker's claim skips the row and its own check waits for this outcome.
   */
  async lockPending(m: EntityManager, seq: string): Promise<boolean> {
    const rows: unknown[] = await m.query(
      `SELECT 1 FROM webhook_inbox WHERE seq = $1 AND status = 'PENDING' FOR UPDATE`,
      [seq],
    );
    return rows.length === 1;
  }

  async retryLater(db: DataSource | EntityManager, seq: string, delayMs: number): Promise<void> {
    await db.query(
      `UPDATE webhook_inbox SET next_attempt_at = now() + ($2::integer * interval '1 millisecond') WHERE seq = $1`,
      [seq, delayMs],
    );
  }
}
