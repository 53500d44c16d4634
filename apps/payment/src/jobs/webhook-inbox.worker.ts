import { type Logger } from '@wxpay/observability';
import { Client } from 'pg';
import { type DataSource, type EntityManager } from 'typeorm';
import { type PaymentDriver } from '../use-cases/lifecycle/payment-driver';
import { type RefundDriver } from '../use-cases/lifecycle/refund-driver';
import { type PaymentMetrics } from '../payment-metrics';
import { ownSessionSettings, prepared } from '@wxpay/persistence';
import { type WebhookInboxRepository } from '../persistence/webhook-inbox.repository';
import {
  type ApplyResult,
  type FollowUp,
  type NotificationApplier,
} from '../use-cases/webhooks/notification-applier';
import { InboxFinals, type InboxRow } from '../persistence/inbox-finals';
import { INBOX_CHANNEL } from '../persistence/webhook-inbox.writer';

export interface InboxWorkerOptions {
  /** Aggregates processed at once (one aggregate's rows always one after another, in arrival order). */
  concurrency?: number;
  batchSize?: number;
  pollIntervalMs?: number;
  /** A claimed row comes back to the queue after this if its worker died. */
  claimLeaseMs?: number;
  /** An early notification is retried this many times before it is rejected for an operator. */
  maxDeferrals?: number;
  deferDelayMs?: number;
  /** Captures and card credits started by applied notifications, running at once. */
  maxFollowUps?: number;
}

/**
 * Drains the webhook inbox: each stored notification is applied to its payment or refund and its facts are
 * published on wechatpay.notifications.v1 (through the outbox), in one transaction with the row's final status,
 * so each business fact is applied and published exactly once. Due rows are taken a batch per transaction, one
 * by one when a batch fails. Woken by NOTIFY from the webhook, polling as a fallback; the rows of a worker that
 * died are picked up again at once (a batch rolls back) or after the claim lease (rows taken one by one).
 */
export class WebhookInboxWorker {
  private listener?: Client;
  private running = false;
  private loop?: Promise<void>;
  private wake: () => void = () => undefined;
  private notified = false;
  private readonly followUps = new Set<Promise<void>>();
  private readonly o: Required<InboxWorkerOptions>;

  constructor(
    private readonly ds: DataSource,
    private readonly inbox: WebhookInboxRepository,
    private readonly applier: NotificationApplier,
    private readonly driver: PaymentDriver,
    private readonly refundDriver: RefundDriver,
    private readonly metrics: PaymentMetrics,
    private readonly logger: Logger,
    options: InboxWorkerOptions = {},
  ) {
    this.o = {
      concurrency: options.concurrency ?? 4,
      batchSize: options.batchSize ?? 100,
      pollIntervalMs: options.pollIntervalMs ?? 1000,
      claimLeaseMs: options.claimLeaseMs ?? 30_000,
      maxDeferrals: options.maxDeferrals ?? 20,
      deferDelayMs: options.deferDelayMs ?? 500,
      maxFollowUps: options.maxFollowUps ?? 32,
    };
  }

  async start(): Promise<void> {
    if (this.running) return;
    const listener = new Client(ownSessionSettings(this.ds, 'payment-inbox-worker'));
    await listener.connect();
    listener.on('notification', () => {
      this.notified = true;
      this.wake();
    });
    listener.on('error', (e) => this.logger.warn({ error: e.message }, 'inbox listener connection failed'));
    await listener.query(`LISTEN ${INBOX_CHANNEL}`);
    this.listener = listener;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all(this.followUps);
    await this.listener?.end().catch(() => undefined);
  }

  /** Processes what is due now (and waits for the follow-ups it started); returns how many rows it handled. */
  async drainOnce(): Promise<number> {
    const n = await this.drainBatch();
    await Promise.all(this.followUps);
    return n;
  }

  private async drainBatch(): Promise<number> {
    this.notified = false;
    const batch = await this.processBatch();
    if (batch) {
      for (const [i, row] of batch.rows.entries()) await this.finish(row, batch.results[i]!);
      return batch.rows.length;
    }
    // The batch failed as a whole (nothing of it stayed): each row on its own, so one bad row cannot hold back
    // the others, claimed for the claim lease and counted as an attempt even if this process dies meanwhile.
    const rows = await this.claim(this.ds);
    const byAggregate = new Map<string, InboxRow[]>();
    for (const r of rows) byAggregate.set(r.aggregateRef, [...(byAggregate.get(r.aggregateRef) ?? []), r]);
    const groups = [...byAggregate.values()];
    const lanes = Array.from({ length: Math.min(this.o.concurrency, groups.length) }, async () => {
      for (let g = groups.shift(); g; g = groups.shift()) {
        for (const row of g) await this.processOne(row);
      }
    });
    await Promise.all(lanes);
    return rows.length;
  }

  /** The due rows, in arrival order, taken from other workers and counted as one more attempt. */
  private claim(db: DataSource | EntityManager): Promise<InboxRow[]> {
    return this.inbox.claimDue(db, this.o.batchSize, this.o.claimLeaseMs);
  }

  /**
   * A whole batch in one transaction, in arrival order: the due rows claimed, the payments they name locked in
   * one statement, each row applied, then every row's final status and every fact's event in one statement. A
   * handful of round trips per batch instead of six per row. Undefined when anything failed (all rolled back).
   */
  private async processBatch(): Promise<{ rows: InboxRow[]; results: ApplyResult[] } | undefined> {
    try {
      return await this.ds.transaction(async (m) => {
        const rows = await this.claim(m);
        const results: ApplyResult[] = [];
        if (rows.length === 0) return { rows, results };
        const locked = await this.applier.lockPayments(m, rows);
        const finals = new InboxFinals();
        for (const row of rows) {
          const res = this.settle(row, await this.applier.apply(m, row, locked));
          finals.add(row, res, this.o.deferDelayMs * row.attempts);
          results.push(res);
        }
        await prepared(m, ...finals.statement());
        return { rows, results };
      });
    } catch (e) {
      this.logger.warn(
        { error: e instanceof Error ? e.message : String(e) },
        'applying a batch of notifications failed; trying them one by one',
      );
      return undefined;
    }
  }

  /** An early notification deferred too often is given up (rejected for an operator). */
  private settle(row: InboxRow, res: ApplyResult): ApplyResult {
    if (res.status !== 'DEFER' || row.attempts < this.o.maxDeferrals) return res;
    this.metrics.alerts.inc({ kind: 'notification_never_applicable' });
    return { status: 'REJECTED', outcome: `NEVER_APPLICABLE_${res.outcome}` };
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        const n = await this.drainBatch();
        if (n < this.o.batchSize) await this.sleep(this.o.pollIntervalMs);
      } catch (e) {
        this.logger.error({ error: e instanceof Error ? e.message : String(e) }, 'inbox worker round failed');
        await this.sleep(this.o.pollIntervalMs);
      }
    }
  }

  private async processOne(row: InboxRow): Promise<void> {
    let result: ApplyResult | undefined;
    try {
      result = await this.ds.transaction(async (m) => {
        // The claim's lease may have run out while this worker waited (a slow apply of an earlier row, a pause):
        // another worker may have taken the row and applied it. Applied once, whoever gets there first.
        if (!(await this.inbox.lockPending(m, row.seq))) return undefined;
        const res = this.settle(row, await this.applier.apply(m, row));
        const finals = new InboxFinals();
        finals.add(row, res, this.o.deferDelayMs * row.attempts);
        await prepared(m, ...finals.statement());
        return res;
      });
    } catch (e) {
      this.logger.warn(
        { notificationId: row.notificationId, error: e instanceof Error ? e.message : String(e) },
        'applying a notification failed; it will be retried',
      );
      await this.inbox
        .retryLater(this.ds, row.seq, this.o.deferDelayMs * Math.min(row.attempts, 20))
        .catch(() => undefined);
      return;
    }
    if (result === undefined) {
      this.logger.info({ notificationId: row.notificationId }, 'notification applied by another worker');
      return;
    }
    await this.finish(row, result);
  }

  /** After the commit: counted, an operator alerted to a rejection, and what the row unblocked driven on. */
  private async finish(row: InboxRow, result: ApplyResult): Promise<void> {
    this.metrics.inboxOutcomes.inc({ outcome: result.status.toLowerCase() });
    if (result.status === 'REJECTED') {
      this.logger.error(
        { notificationId: row.notificationId, eventType: row.eventType, outcome: result.outcome },
        'notification rejected: an operator must look at it',
      );
    }
    if (result.status !== 'DEFER' && result.follow) await this.startFollowUp(result.follow);
  }

  /**
   * Follow-ups (a capture on the channel, a card credit) run beside the worker, so one slow channel answer does
   * not hold back the next notifications; at most `maxFollowUps` at once (the worker waits beyond that).
   */
  private async startFollowUp(follow: FollowUp): Promise<void> {
    while (this.followUps.size >= this.o.maxFollowUps) await Promise.race(this.followUps);
    const running: Promise<void> = this.followUp(follow).finally(() => this.followUps.delete(running));
    this.followUps.add(running);
  }

  /** Drives on what the notification unblocked (capture, card credit); failures are left to the janitor. */
  private async followUp(follow: FollowUp): Promise<void> {
    try {
      if (follow.paymentId) await this.driver.advance(follow.paymentId, 'request');
      if (follow.refundId) await this.refundDriver.advance(follow.refundId, 'request');
    } catch (e) {
      this.logger.warn(
        {
          paymentId: follow.paymentId,
          refundId: follow.refundId,
          error: e instanceof Error ? e.message : String(e),
        },
        'follow-up deferred',
      );
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.notified || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
