import { GrpcStatus, RpcError } from '@wxpay/grpc';
import { type Payment } from './domain/payment';
import { type PaymentStatus } from './domain/payment-status';
import { type StoredAnswer } from './idempotency/idempotency.repository';

/**
 * States in which the caller cannot be told yet what became of the payment: the driver had to stop (a
 * counterparty did not answer, or another actor holds the payment) before the outcome was decided.
 */
const UNDECIDED: readonly PaymentStatus[] = [
  'CREATED',
  'RISK_APPROVED',
  'RISK_REVIEW',
  'AUTHORIZING',
  'AUTHORIZED',
  'ORDERING',
  'ORDER_UNKNOWN',
];

export function decidedForCaller(p: Payment): boolean {
  return !UNDECIDED.includes(p.status);
}

export const Reasons = {
  outcomeUnknown: 'OUTCOME_UNKNOWN',
  notFound: 'PAYMENT_NOT_FOUND',
  invalidState: 'INVALID_STATE',
  alreadyPaid: 'ALREADY_PAID',
  refundExceeds: 'REFUND_EXCEEDS_AVAILABLE',
  idempotencyConflict: 'IDEMPOTENCY_CONFLICT',
  inProgress: 'IN_PROGRESS',
} as const;

export function outcomeUnknown(): RpcError {
  return new RpcError(
    GrpcStatus.UNAVAILABLE,
    'a counterparty did not answer in time; the payment is being resolved — retry the same call later',
    undefined,
    Reasons.outcomeUnknown,
  );
}

export function notFound(): RpcError {
  return new RpcError(GrpcStatus.NOT_FOUND, 'no such payment', undefined, Reasons.notFound);
}

export function failedPrecondition(reason: string, message: string): RpcError {
  return new RpcError(GrpcStatus.FAILED_PRECONDITION, message, undefined, reason);
}

export function errorAnswer(e: RpcError): StoredAnswer {
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.reason ? { reason: e.reason } : {}),
      ...(e.field ? { field: e.field } : {}),
    },
  };
}

/** Replays a stored answer: the response, or the same typed error. */
export function replay(answer: StoredAnswer): Record<string, unknown> {
  if ('ok' in answer) return answer.ok;
  throw new RpcError(answer.error.code, answer.error.message, answer.error.field, answer.error.reason);
}
