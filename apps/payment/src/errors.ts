import { DomainError, type CommonErrorCode } from '@wxpay/contracts';
import { GrpcStatus, type ErrorStatusTable } from '@wxpay/grpc';
import { type StoredAnswer } from '@wxpay/persistence';

/**
 * The Payments contract's error codes (gateway/payment/v1/payment.proto lists them with their statuses). A
 * business refusal (risk reject, issuer decline) is not an error: the payment is answered FAILED with its code.
 * Messages name fields and states, never a card number or a value the caller sent.
 */
export const PaymentErrors = {
  /** A counterparty did not answer in time; the payment is being resolved: retry the same call later. */
  outcomeUnknown: 'OUTCOME_UNKNOWN',
  notFound: 'PAYMENT_NOT_FOUND',
  invalidState: 'INVALID_STATE',
  alreadyPaid: 'ALREADY_PAID',
  refundExceeds: 'REFUND_EXCEEDS_AVAILABLE',
  breakNotFound: 'BREAK_NOT_FOUND',
  alreadyResolved: 'ALREADY_RESOLVED',
} as const;

export type PaymentErrorCode = (typeof PaymentErrors)[keyof typeof PaymentErrors] | CommonErrorCode;

export const PAYMENT_ERROR_STATUS: ErrorStatusTable<PaymentErrorCode> = {
  OUTCOME_UNKNOWN: GrpcStatus.UNAVAILABLE,
  PAYMENT_NOT_FOUND: GrpcStatus.NOT_FOUND,
  INVALID_STATE: GrpcStatus.FAILED_PRECONDITION,
  ALREADY_PAID: GrpcStatus.FAILED_PRECONDITION,
  REFUND_EXCEEDS_AVAILABLE: GrpcStatus.FAILED_PRECONDITION,
  BREAK_NOT_FOUND: GrpcStatus.NOT_FOUND,
  ALREADY_RESOLVED: GrpcStatus.FAILED_PRECONDITION,
};

const paymentError = (code: PaymentErrorCode, message: string, field?: string) =>
  new DomainError<PaymentErrorCode>(code, message, { field });

export function outcomeUnknown(): DomainError<PaymentErrorCode> {
  return paymentError(
    PaymentErrors.outcomeUnknown,
    'a counterparty did not answer in time; the payment is being resolved — retry the same call later',
  );
}

export function notFound(): DomainError<PaymentErrorCode> {
  return paymentError(PaymentErrors.notFound, 'no such payment');
}

export function breakNotFound(): DomainError<PaymentErrorCode> {
  return paymentError(PaymentErrors.breakNotFound, 'no such reconciliation break', 'break_id');
}

export function failedPrecondition(
  code:
    | typeof PaymentErrors.invalidState
    | typeof PaymentErrors.alreadyPaid
    | typeof PaymentErrors.refundExceeds
    | typeof PaymentErrors.alreadyResolved,
  message: string,
): DomainError<PaymentErrorCode> {
  return paymentError(code, message);
}

/** A refusal kept as a call's answer, replayed to every retry with the same key. */
export function errorAnswer(e: DomainError): StoredAnswer {
  return { error: { code: e.code, message: e.message, ...(e.field ? { field: e.field } : {}) } };
}
