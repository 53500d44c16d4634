import { type PaymentStatusName } from '@wxpay/contracts';

export type PaymentStatus = PaymentStatusName;

/**
 * The payment state machine. Every write names the state it expects to leave (and the row's version), so two
 * actors (the caller's request, the webhook worker, the janitor) can never both move a payment from one state.
 * UNKNOWN states mean a counterparty did not answer: they are resolved by asking it, never by sending again.
 */
export const TRANSITIONS: Readonly<Record<PaymentStatus, readonly PaymentStatus[]>> = {
  CREATED: ['RISK_APPROVED', 'RISK_REVIEW', 'FAILED', 'CANCELLED'],
  RISK_APPROVED: ['AUTHORIZING', 'FAILED', 'CANCELLED'],
  RISK_REVIEW: ['AUTHORIZING', 'FAILED', 'CANCELLED'],
  AUTHORIZING: ['AUTHORIZED', 'FAILED', 'AUTH_UNKNOWN'],
  // An authorisation whose answer was lost is reversed (the channel acknowledges a reversal of a hold it never
  // made), then the payment fails: it is never authorised twice.
  AUTH_UNKNOWN: ['FAILED'],
  AUTHORIZED: ['ORDERING', 'REVERSING'],
  ORDERING: ['AWAITING_PAYER', 'ORDER_UNKNOWN', 'REVERSING', 'PAYER_PAID'],
  ORDER_UNKNOWN: ['AWAITING_PAYER', 'REVERSING', 'PAYER_PAID', 'CLOSING'],
  AWAITING_PAYER: ['PAYER_PAID', 'CLOSING'],
  CLOSING: ['REVERSING', 'PAYER_PAID'],
  REVERSING: ['REVERSED', 'CANCELLED'],
  PAYER_PAID: ['CAPTURED', 'CAPTURE_FAILED'],
  CAPTURED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  PARTIALLY_REFUNDED: ['PARTIALLY_REFUNDED', 'REFUNDED'],
  REFUNDED: [],
  REVERSED: [],
  CANCELLED: [],
  FAILED: [],
  // Only an operator's RetryCapture leaves CAPTURE_FAILED: no automatic actor does.
  CAPTURE_FAILED: ['PAYER_PAID'],
};

export const TERMINAL_STATUSES: readonly PaymentStatus[] = ['REFUNDED', 'REVERSED', 'CANCELLED', 'FAILED'];

/** States nothing automatic moves a payment out of: they wait for an operator (RetryCapture). */
export const OPERATOR_STATUSES: readonly PaymentStatus[] = ['CAPTURE_FAILED'];

/** States in which nothing is pending on our side: the payment waits for the payer, a refund or an operator. */
export const RESTING_STATUSES: readonly PaymentStatus[] = [
  ...TERMINAL_STATUSES,
  ...OPERATOR_STATUSES,
  'AWAITING_PAYER',
  'CAPTURED',
  'PARTIALLY_REFUNDED',
];

/** Captured money exists: refunds are possible. */
export const REFUNDABLE_STATUSES: readonly PaymentStatus[] = ['CAPTURED', 'PARTIALLY_REFUNDED'];

/** The hold exists on the card (authorised and not yet completed or released). */
export const HOLD_STATUSES: readonly PaymentStatus[] = [
  'AUTHORIZED',
  'ORDERING',
  'ORDER_UNKNOWN',
  'AWAITING_PAYER',
  'CLOSING',
  'REVERSING',
  'PAYER_PAID',
];

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isTerminal(status: PaymentStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  constructor(
    readonly from: PaymentStatus,
    readonly to: PaymentStatus,
  ) {
    super(`a payment cannot go from ${from} to ${to}`);
  }
}

export function assertTransition(from: PaymentStatus, to: PaymentStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}

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

export function decidedForCaller(status: PaymentStatus): boolean {
  return !UNDECIDED.includes(status);
}
