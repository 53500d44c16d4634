import { Topics } from '@wxpay/contracts';
import { outboxInsertSql, outboxRecord, type OutboxRecord } from '@wxpay/messaging';
import { type ApplyResult } from '../use-cases/webhooks/notification-applier';

/** A claimed webhook_inbox row, as the worker processes it. */
export interface InboxRow {
  seq: string;
  notificationId: string;
  endpoint: string;
  eventType: string;
  aggregateRef: string;
  factType: string;
  facts: Record<string, unknown>;
  attempts: number;
  /** The webhook request that delivered it, when traced. */
  traceparent: string | null;
}

/**
 * What processing leaves of a set of inbox rows, written in one statement of the worker's transaction: each
 * row's final status (or, when deferred, when to try again) and, for every row not deferred, its facts' event on
 * wechatpay.notifications.v1 through the outbox, in arrival order.
 */
export class InboxFinals {
  private readonly done: { seq: string; status: string; outcome: string }[] = [];
  private readonly deferred: { seq: string; delayMs: number; outcome: string }[] = [];
  private readonly events: OutboxRecord[] = [];

  /** Throws OutboxValidationError (nothing written yet) when the facts do not make a valid event. */
  add(row: InboxRow, res: ApplyResult, deferDelayMs: number): void {
    if (res.status === 'DEFER') {
      this.deferred.push({ seq: row.seq, delayMs: deferDelayMs, outcome: res.outcome });
      return;
    }
    this.events.push(
      outboxRecord({
        topic: Topics.wechatpayNotifications.name,
        type: row.factType,
        aggregateId: row.aggregateRef,
        traceId: `wechatpay-notification:${row.notificationId}`,
        payload: row.facts,
      }),
    );
    this.done.push({ seq: row.seq, status: res.status, outcome: res.outcome });
  }

  /** `[sql, params]` for `query`. */
  statement(): [string, unknown[]] {
    const params: unknown[] = [
      this.done.map((d) => d.seq),
      this.done.map((d) => d.status),
      this.done.map((d) => d.outcome),
      this.deferred.map((d) => d.seq),
      this.deferred.map((d) => d.delayMs),
      this.deferred.map((d) => d.outcome),
    ];
    const ctes = [
      `done AS (
         UPDATE webhook_inbox AS w SET status = d.status, outcome = d.outcome, processed_at = now()
           FROM unnest($1::bigint[], $2::text[], $3::text[]) AS d(seq, status, outcome)
          WHERE w.seq = d.seq AND w.status = 'PENDING' RETURNING w.seq)`,
      `deferred AS (
         UPDATE webhook_inbox AS w SET next_attempt_at = now() + d.delay_ms * interval '1 millisecond',
                outcome = d.outcome
           FROM unnest($4::bigint[], $5::integer[], $6::text[]) AS d(seq, delay_ms, outcome)
          WHERE w.seq = d.seq AND w.status = 'PENDING' RETURNING w.seq)`,
    ];
    if (this.events.length > 0) ctes.push(`events AS (${outboxInsertSql(this.events, params)})`);
    return [`WITH ${ctes.join(', ')} SELECT (SELECT count(*) FROM done)::int AS done`, params];
  }
}
