import { PaymentLifecycleEventTypes } from '@wxpay/contracts';
import { type EntityManager } from 'typeorm';
import { type Refund } from '../../domain/payment';
import { refundReleasePosting, refundSettlePosting } from '../../domain/ledger-accounts';
import { StaleStateError } from '../../persistence/stale-state.error';
import { type LifecycleDeps } from './lifecycle-deps';
import { paymentFact } from './lifecycle-events';

/**
 * The two ends of a refund, each one transaction that changes the refund, the payment and the ledger together:
 * success books the money back to the card and moves the payment to PARTIALLY_REFUNDED / REFUNDED; failure
 * releases the reserved amount back to the merchant.
 */
export function settleRefund(d: LifecycleDeps, refund: Refund, actor: string): Promise<Refund> {
  return d.ds.transaction((m) => settleRefundIn(m, d, refund, actor));
}

export function failRefund(d: LifecycleDeps, refund: Refund, code: string): Promise<Refund> {
  return d.ds.transaction((m) => failRefundIn(m, d, refund, code));
}

export async function settleRefundIn(
  m: EntityManager,
  d: LifecycleDeps,
  refund: Refund,
  actor: string,
): Promise<Refund> {
  const r = await lockedRefund(m, d, refund);
  if (r.status === 'REFUND_SUCCEEDED') return r;
  const p = (await d.payments.lock(m, r.paymentId))!;
  const done = await d.refunds.transition(m, r, 'REFUND_SUCCEEDED');
  const refunded = p.refundedMinor + r.amountMinor;
  await d.writer.moveIn(
    m,
    p,
    refunded >= p.capturedMinor ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
    { refundedMinor: refunded },
    {
      actor,
      reason: r.id,
      postings: [refundSettlePosting(p.id, r.id, p, r.amountMinor)],
      event: {
        type: PaymentLifecycleEventTypes.refunded,
        payload: { ...paymentFact(p, r.amountMinor), refundId: r.id },
      },
    },
  );
  return done;
}

export async function failRefundIn(
  m: EntityManager,
  d: LifecycleDeps,
  refund: Refund,
  code: string,
): Promise<Refund> {
  const r = await lockedRefund(m, d, refund);
  if (r.status === 'REFUND_FAILED') return r;
  const p = (await d.payments.lock(m, r.paymentId))!;
  const failed = await d.refunds.transition(m, r, 'REFUND_FAILED', { failureCode: code });
  await d.writer.amendIn(
    m,
    p,
    { refundReservedMinor: p.refundReservedMinor - r.amountMinor },
    {
      postings: [refundReleasePosting(p.id, r.id, p, r.amountMinor)],
      event: {
        type: PaymentLifecycleEventTypes.refundFailed,
        payload: { ...paymentFact(p, r.amountMinor), refundId: r.id, reasonCode: code },
      },
    },
  );
  return failed;
}

/** Re-reads the refund under a row lock; a version change since `seen` is fine as long as the status allows. */
async function lockedRefund(m: EntityManager, d: LifecycleDeps, seen: Refund): Promise<Refund> {
  const locked = await d.refunds.lock(m, seen.id);
  if (!locked) throw new StaleStateError('refund', seen.id);
  return locked;
}
