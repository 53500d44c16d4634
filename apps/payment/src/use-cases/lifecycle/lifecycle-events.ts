import { PaymentLifecycleEventTypes, type PaymentLifecycleEventType, Topics } from '@wxpay/contracts';
import { outboxRecord, type OutboxRecord } from '@wxpay/messaging';
import { type Payment } from '../../domain/payment';
import { type PaymentStatus } from '../../domain/payment-status';

export interface LifecycleEvent {
  type: PaymentLifecycleEventType;
  payload: Record<string, unknown>;
}

/** What a payment event's facts are made of (a stored payment, or one about to be inserted). */
export type PaymentFacts = Pick<
  Payment,
  | 'id'
  | 'cardToken'
  | 'amountMinor'
  | 'currency'
  | 'merchantId'
  | 'mcc'
  | 'scene'
  | 'payerOpenid'
  | 'deviceId'
  | 'payerIp'
> & { riskDecisionId?: string | null };

/** The facts every payment event carries (the payload schema risk consumes): token, never card data. */
export function paymentFact(p: PaymentFacts, amountMinor = p.amountMinor): Record<string, unknown> {
  const fact: Record<string, unknown> = {
    paymentId: p.id,
    cardToken: p.cardToken,
    amount: { minor: amountMinor, currency: p.currency },
    merchantId: p.merchantId,
    mcc: p.mcc,
    scene: p.scene,
  };
  if (p.payerOpenid) fact.payerId = p.payerOpenid;
  if (p.deviceId) fact.deviceId = p.deviceId;
  if (p.payerIp) fact.ip = p.payerIp;
  if (p.riskDecisionId) fact.riskDecisionId = p.riskDecisionId;
  return fact;
}

/**
 * The event a transition writes. Named facts where they apply (risk counts them); a reversal is a
 * PaymentReversed only when a hold existed (risk subtracts it from its authorisation window), a failure is a
 * PaymentFailed only when the issuer declined; every other step is a PaymentStatusChanged.
 */
export function eventForTransition(before: Payment, after: Payment): LifecycleEvent {
  const to: PaymentStatus = after.status;
  const T = PaymentLifecycleEventTypes;
  switch (to) {
    case 'AUTHORIZED':
      return { type: T.authorized, payload: paymentFact(after) };
    case 'CAPTURED':
      return { type: T.captured, payload: paymentFact(after) };
    case 'FAILED':
      // PaymentFailed is the issuer's or the network's decline, with its response code (risk counts declines);
      // our own refusals (risk, vault, an unreachable or silent channel) are status changes, or every risk
      // rejection would count as a decline and feed the next rejection.
      if (after.failureCode === 'ISSUER_DECLINED') {
        const code = after.failureReasons[0];
        return { type: T.failed, payload: { ...paymentFact(after), ...(code ? { reasonCode: code } : {}) } };
      }
      break;
    case 'REVERSED':
    case 'CANCELLED':
      if (before.status === 'REVERSING') return { type: T.reversed, payload: paymentFact(after) };
      break;
    default:
      break;
  }
  const reasonCode = after.failureCode ?? after.reversalReason ?? undefined;
  return {
    type: T.statusChanged,
    payload: {
      ...paymentFact(after),
      from: before.status,
      to,
      ...(reasonCode && to !== before.status ? { reasonCode } : {}),
    },
  };
}

/** The event checked and enveloped for payments.lifecycle.v1, to be written with the change it describes. */
export function lifecycleRecord(p: Pick<Payment, 'id' | 'traceId'>, event: LifecycleEvent): OutboxRecord {
  return outboxRecord({
    topic: Topics.paymentsLifecycle.name,
    type: event.type,
    aggregateId: p.id,
    traceId: p.traceId,
    payload: event.payload,
  });
}
