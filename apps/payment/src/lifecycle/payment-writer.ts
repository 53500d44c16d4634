import { type DataSource, type EntityManager } from 'typeorm';
import { type Payment } from '../domain/payment';
import { type PaymentStatus } from '../domain/payment-status';
import { type Posting } from '../ledger/ledger-accounts';
import { type LedgerService } from '../ledger/ledger.service';
import { type PaymentChanges, type PaymentRepository } from '../persistence/payment.repository';
import { eventForTransition, type LifecycleEvent, writeLifecycleEvent } from './lifecycle-events';

export interface MoveOptions {
  actor: string;
  reason?: string;
  postings?: Posting[];
  /** Overrides the event derived from the transition (e.g. PaymentRefunded with its refund id). */
  event?: LifecycleEvent;
}

/**
 * The only way a payment changes state: in one database transaction, the guarded status change, its history row,
 * its ledger postings and its event in the outbox. Either all of it commits or none of it does.
 */
export class PaymentWriter {
  constructor(
    private readonly ds: DataSource,
    private readonly payments: PaymentRepository,
    private readonly ledger: LedgerService,
    private readonly onTransition: (from: PaymentStatus, to: PaymentStatus) => void = () => undefined,
  ) {}

  move(p: Payment, to: PaymentStatus, changes: PaymentChanges, opts: MoveOptions): Promise<Payment> {
    return this.ds.transaction((m) => this.moveIn(m, p, to, changes, opts));
  }

  /**
   * Several transitions in one transaction (one commit): steps with no counterparty call between them, e.g.
   * RISK_APPROVED then AUTHORIZING, each still with its history row and its event.
   */
  moveAll(p: Payment, steps: [PaymentStatus, PaymentChanges, MoveOptions][]): Promise<Payment> {
    return this.ds.transaction(async (m) => {
      let current = p;
      for (const [to, changes, opts] of steps) current = await this.moveIn(m, current, to, changes, opts);
      return current;
    });
  }

  async moveIn(
    m: EntityManager,
    p: Payment,
    to: PaymentStatus,
    changes: PaymentChanges,
    opts: MoveOptions,
  ): Promise<Payment> {
    const after = await this.payments.transition(m, p, to, changes, {
      actor: opts.actor,
      reason: opts.reason,
    });
    for (const posting of opts.postings ?? []) await this.ledger.post(m, posting);
    await writeLifecycleEvent(m, after, opts.event ?? eventForTransition(p, after));
    // Counted before the commit: a rolled-back move is over-counted, which only the metric sees.
    this.onTransition(p.status, to);
    return after;
  }

  /** Field changes without a status change (refund reservations), with their postings and event. */
  async amendIn(
    m: EntityManager,
    p: Payment,
    changes: PaymentChanges,
    opts: { postings?: Posting[]; event?: LifecycleEvent },
  ): Promise<Payment> {
    const after = await this.payments.amend(m, p, changes);
    for (const posting of opts.postings ?? []) await this.ledger.post(m, posting);
    if (opts.event) await writeLifecycleEvent(m, after, opts.event);
    return after;
  }
}
