/**
 * A refund goes to WeChat Pay first (the merchant gives the money back), then, once WeChat Pay reports it done,
 * to the card over the UnionPay channel: the card is never credited for a refund WeChat Pay closes.
 */
export type RefundStatus =
  | 'REFUND_REQUESTED'
  | 'REFUND_UNKNOWN'
  | 'REFUND_PROCESSING'
  | 'REFUND_CHANNEL'
  | 'REFUND_SUCCEEDED'
  | 'REFUND_FAILED';

export const REFUND_TRANSITIONS: Readonly<Record<RefundStatus, readonly RefundStatus[]>> = {
  REFUND_REQUESTED: ['REFUND_PROCESSING', 'REFUND_UNKNOWN', 'REFUND_CHANNEL', 'REFUND_FAILED'],
  REFUND_UNKNOWN: ['REFUND_PROCESSING', 'REFUND_CHANNEL', 'REFUND_FAILED', 'REFUND_REQUESTED'],
  REFUND_PROCESSING: ['REFUND_CHANNEL', 'REFUND_FAILED'],
  REFUND_CHANNEL: ['REFUND_SUCCEEDED'],
  REFUND_SUCCEEDED: [],
  REFUND_FAILED: [],
};

export const OPEN_REFUND_STATUSES: readonly RefundStatus[] = [
  'REFUND_REQUESTED',
  'REFUND_UNKNOWN',
  'REFUND_PROCESSING',
  'REFUND_CHANNEL',
];

export function canRefundTransition(from: RefundStatus, to: RefundStatus): boolean {
  return REFUND_TRANSITIONS[from].includes(to);
}
