import { isTracing, linkTo, traced } from '@wxpay/observability';
import { Inject, Injectable } from '@nestjs/common';
import {
  type WechatPayRefundNotified,
  type WechatPayTransactionNotified,
  WechatPayNotificationEventTypes,
} from '@wxpay/contracts';
import { type EntityManager } from 'typeorm';
import { type Payment } from '../../domain/payment';
import { type PaymentStatus } from '../../domain/payment-status';
import { LIFECYCLE_DEPS, type LifecycleDeps } from '../lifecycle/lifecycle-deps';
import { failRefundIn } from '../lifecycle/refund-outcomes';

/** What applying one stored notification did. */
export type ApplyResult =
  | {
      status: 'APPLIED' | 'DUPLICATE' | 'FORWARDED' | 'REJECTED';
      outcome: string;
      /** Drive this payment / refund on once the transaction has committed. */
      follow?: FollowUp;
    }
  /** The payment is not yet where this notification can apply (it arrived early): try again later. */
  | { status: 'DEFER'; outcome: string };

export interface StoredNotification {
  endpoint: string;
  /** The webhook request that delivered it, when traced: its apply links back to it. */
  traceparent?: string | null;
  eventType: string;
  factType: string;
  facts: Record<string, unknown>;
}

/** What an applied notification unblocked, to be driven on once the transaction has committed. */
export interface FollowUp {
  paymentId?: string;
  refundId?: string;
}

/**
 * Payments a batch has read under their row locks, by out_trade_no (undefined: no such payment), kept current
 * as the batch moves them, so each row sees what the rows before it did.
 */
export type LockedPayments = Map<string, Payment | undefined>;

const PAYABLE: readonly PaymentStatus[] = ['ORDERING', 'ORDER_UNKNOWN', 'AWAITING_PAYER', 'CLOSING'];
const ALREADY_PAID: readonly PaymentStatus[] = [
  'PAYER_PAID',
  'CAPTURED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
  'CAPTURE_FAILED',
];
const RELEASED: readonly PaymentStatus[] = ['REVERSING', 'REVERSED', 'CANCELLED', 'FAILED'];

/**
 * Applies a stored notification to the payment or refund it names, inside the worker's transaction and under the
 * row's lock. The state machine decides: a notification for a state already reached is a duplicate (late or
 * re-sent copies change nothing), one that arrives before its state can accept it is deferred, and one that
 * contradicts what we know (amount, a released hold) is rejected and raised as an alert, never applied.
 */
@Injectable()
export class NotificationApplier {
  constructor(@Inject(LIFECYCLE_DEPS) private readonly d: LifecycleDeps) {}

  async apply(m: EntityManager, n: StoredNotification, locked?: LockedPayments): Promise<ApplyResult> {
    if (n.endpoint === 'papay') return { status: 'FORWARDED', outcome: 'PAPAY' };
    if (n.factType === WechatPayNotificationEventTypes.transaction) {
      return this.transaction(m, n, n.facts as unknown as WechatPayTransactionNotified, locked);
    }
    if (n.factType === WechatPayNotificationEventTypes.refund) {
      return this.refund(m, n.facts as unknown as WechatPayRefundNotified);
    }
    return { status: 'FORWARDED', outcome: 'NOT_A_PAYMENT_EVENT' };
  }

  /**
   * Locks, in one statement and in a fixed order (no deadlock between batches), the payments the transaction
   * notifications among `rows` name.
   */
  async lockPayments(m: EntityManager, rows: readonly StoredNotification[]): Promise<LockedPayments> {
    const refs = rows
      .filter((n) => n.endpoint !== 'papay' && n.factType === WechatPayNotificationEventTypes.transaction)
      .map((n) => (n.facts as unknown as WechatPayTransactionNotified).transaction?.outTradeNo)
      .filter((ref): ref is string => typeof ref === 'string');
    const locked: LockedPayments = new Map(refs.map((ref) => [ref, undefined]));
    for (const p of await this.d.payments.lockManyByOutTradeNo(m, [...locked.keys()])) {
      locked.set(p.outTradeNo, p);
    }
    return locked;
  }

  private async transaction(
    m: EntityManager,
    n: StoredNotification,
    f: WechatPayTransactionNotified,
    locked?: LockedPayments,
  ): Promise<ApplyResult> {
    const t = f.transaction;
    if (t.tradeType === 'PAP' || n.eventType !== 'TRANSACTION.SUCCESS' || t.tradeState !== 'SUCCESS') {
      return { status: 'FORWARDED', outcome: 'NOT_A_CARD_PAYMENT' };
    }
    const p = locked?.has(t.outTradeNo)
      ? locked.get(t.outTradeNo)
      : await this.d.payments.lockByOutTradeNo(m, t.outTradeNo);
    if (!p) return this.foreign('UNKNOWN_ORDER');
    if (t.amount?.total !== p.amountMinor) return this.reject('AMOUNT_MISMATCH');
    if (ALREADY_PAID.includes(p.status)) return { status: 'DUPLICATE', outcome: p.status };
    if (RELEASED.includes(p.status)) return this.reject('PAID_AFTER_RELEASE');
    if (!PAYABLE.includes(p.status)) return { status: 'DEFER', outcome: `PAYMENT_${p.status}` };
    const paid = isTracing()
      ? // In the payment's own trace (WeChat Pay sends no trace context), linked to the webhook request that brought it.
        await traced(
          'payment webhook apply',
          {
            parent: p.traceparent ?? undefined,
            links: linkTo(n.traceparent),
            attributes: { 'wxpay.payment.id': p.id, 'wxpay.webhook.event_type': n.eventType },
          },
          () => this.payerPaid(m, p, t),
        )
      : await this.payerPaid(m, p, t);
    locked?.set(t.outTradeNo, paid);
    return { status: 'APPLIED', outcome: 'PAYER_PAID', follow: { paymentId: p.id } };
  }

  private payerPaid(
    m: EntityManager,
    p: Payment,
    t: WechatPayTransactionNotified['transaction'],
  ): Promise<Payment> {
    return this.d.writer.moveIn(
      m,
      p,
      'PAYER_PAID',
      { wechatTransactionId: t.transactionId ?? null },
      { actor: 'webhook', reason: 'TRANSACTION.SUCCESS' },
    );
  }

  private async refund(m: EntityManager, f: WechatPayRefundNotified): Promise<ApplyResult> {
    const n = f.refund;
    const r = await this.d.refunds.lockByOutRefundNo(m, n.outRefundNo);
    if (!r) return this.foreign('UNKNOWN_REFUND');
    if (n.amount.refund !== r.amountMinor) return this.reject('AMOUNT_MISMATCH');
    const open = ['REFUND_REQUESTED', 'REFUND_UNKNOWN', 'REFUND_PROCESSING'].includes(r.status);
    if (n.refundStatus === 'SUCCESS') {
      if (r.status === 'REFUND_CHANNEL' || r.status === 'REFUND_SUCCEEDED') {
        return { status: 'DUPLICATE', outcome: r.status };
      }
      if (!open) return this.reject('REFUND_ALREADY_FAILED');
      await this.d.refunds.transition(m, r, 'REFUND_CHANNEL', { wechatRefundId: n.refundId });
      return { status: 'APPLIED', outcome: 'REFUND_CHANNEL', follow: { refundId: r.id } };
    }
    if (!open) {
      return r.status === 'REFUND_FAILED'
        ? { status: 'DUPLICATE', outcome: r.status }
        : this.reject('REFUND_ALREADY_SUCCEEDED');
    }
    await failRefundIn(m, this.d, r, `WECHATPAY_${n.refundStatus}`);
    return { status: 'APPLIED', outcome: 'REFUND_FAILED' };
  }

  /**
   * A verified notification for an order (or refund) this gateway did not make. WeChat Pay sends a merchant's
   * notifications to the notify_url given with each order, so other systems of the same merchant (its other
   * channels, a papay contract made elsewhere) can send theirs here: the fact is WeChat Pay's and is published as
   * it is for whoever owns the order; nothing here can apply it, and no operator can make it applicable. Counted
   * as an alert (a sudden rise means a misconfigured notify_url, or a payment we lost), not kept as a rejection.
   */
  private foreign(outcome: string): ApplyResult {
    this.d.metrics.alerts.inc({ kind: `notification_${outcome.toLowerCase()}` });
    return { status: 'FORWARDED', outcome };
  }

  private reject(outcome: string): ApplyResult {
    this.d.metrics.alerts.inc({ kind: `notification_${outcome.toLowerCase()}` });
    return { status: 'REJECTED', outcome };
  }
}
