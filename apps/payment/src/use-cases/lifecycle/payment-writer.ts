import { outboxInsertSql, type OutboxRecord } from '@wxpay/messaging';
import { type DataSource, type EntityManager } from 'typeorm';
import { type Payment } from '../../domain/payment';
import { assertTransition, type PaymentStatus } from '../../domain/payment-status';
import { type Posting } from '../../domain/ledger-accounts';
import { type LedgerRepository } from '../../persistence/ledger.repository';
import { applyChanges, effectiveChanges } from '../../persistence/payment-writes';
import {
  type HistoryRow,
  type PaymentChanges,
  type PaymentRepository,
} from '../../persistence/payment.repository';
import { type ExtraWrites } from '../../persistence/sql-values';
import { eventForTransition, lifecycleRecord, type LifecycleEvent } from './lifecycle-events';

export interface MoveOptions {
  actor: string;
  reason?: string;
  postings?: Posting[];
  /** Overrides the event derived from the transition (e.g. PaymentRefunded with its refund id). */
  event?: LifecycleEvent;
}

type Step = [PaymentStatus, PaymentChanges, MoveOptions];

/**
 * The only way a payment changes state: the guarded status change, its history row, its ledger postings and its
 * event in the outbox, all in ONE statement, so either all of it commits or none of it does. Without a caller's
 * transaction that statement commits on its own: one round trip per move instead of a transaction of six.
 */
export class PaymentWriter {
  constructor(
    private readonly ds: DataSource,
    private readonly payments: PaymentRepository,
    private readonly ledger: LedgerRepository,
    private readonly onTransition: (from: PaymentStatus, to: PaymentStatus) => void = () => undefined,
  ) {}

  move(p: Payment, to: PaymentStatus, changes: PaymentChanges, opts: MoveOptions): Promise<Payment> {
    return this.write(this.ds, p, [[to, changes, opts]]);
  }

  /**
   * Several transitions in one statement (one commit): steps with no counterparty call between them, e.g.
   * RISK_APPROVED then AUTHORIZING, each still with its history row and its event, in order.
   */
  moveAll(p: Payment, steps: Step[]): Promise<Payment> {
    return this.write(this.ds, p, steps);
  }

  /** A move inside the caller's transaction (e.g. the webhook worker's, under the payment's row lock). */
  moveIn(
    m: EntityManager,
    p: Payment,
    to: PaymentStatus,
    changes: PaymentChanges,
    opts: MoveOptions,
  ): Promise<Payment> {
    return this.write(m, p, [[to, changes, opts]]);
  }

  /** Field changes without a status change (refund reservations), with their postings and event. */
  amendIn(
    m: EntityManager,
    p: Payment,
    changes: PaymentChanges,
    opts: { postings?: Posting[]; event?: LifecycleEvent },
  ): Promise<Payment> {
    const events = opts.event ? [lifecycleRecord(p, opts.event)] : [];
    return this.payments.write(
      m,
      p,
      { to: p.status, changes, moves: 1, history: [] },
      this.extraWrites(opts.postings ?? [], events),
    );
  }

  private async write(db: DataSource | EntityManager, p: Payment, steps: Step[]): Promise<Payment> {
    // Each step is worked out on the state the previous one leaves (the same the database will hold), so the
    // history and the events are exactly those of the moves written one by one.
    let current = p;
    let changes: PaymentChanges = {};
    const history: HistoryRow[] = [];
    const postings: Posting[] = [];
    const events: OutboxRecord[] = [];
    for (const [to, stepChanges, opts] of steps) {
      assertTransition(current.status, to);
      const effective = effectiveChanges(to, stepChanges);
      const after = applyChanges(current, to, effective);
      if (to !== current.status)
        history.push({ from: current.status, to, actor: opts.actor, reason: opts.reason });
      postings.push(...(opts.postings ?? []));
      events.push(lifecycleRecord(after, opts.event ?? eventForTransition(current, after)));
      changes = { ...changes, ...effective };
      current = after;
    }
    const written = await this.payments.write(
      db,
      p,
      { to: current.status, changes, moves: steps.length, history },
      this.extraWrites(postings, events),
    );
    // Inside a caller's transaction that later rolls back, a move is over-counted, which only the metric sees.
    let from = p.status;
    for (const [to] of steps) {
      this.onTransition(from, to);
      from = to;
    }
    return written;
  }

  private extraWrites(postings: Posting[], events: OutboxRecord[]): ExtraWrites {
    return (params, guard) => [
      ...postings.flatMap((posting, i) => this.ledger.postingWrites(posting, params, `posting_${i}`, guard)),
      ...(events.length > 0 ? [`events AS (${outboxInsertSql(events, params, guard)})`] : []),
    ];
  }
}
