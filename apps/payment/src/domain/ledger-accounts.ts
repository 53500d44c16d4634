/**
 * The ledger's accounts. Signs: debit > 0, credit < 0; every transaction sums to zero per currency.
 *
 * CAPTURE (amount A)          DR cardholder:<token>  A   the cardholder owes the bank (card debited via UnionPay)
 *                             CR unionpay:settlement A   the bank settles the purchase through UnionPay
 *                             DR wechatpay:clearing  A   WeChat Pay holds the payer's payment for the merchant
 *                             CR merchant:<id>       A   the merchant is owed it
 * REFUND_RESERVE (R)          DR merchant:<id>       R   taken back from the merchant when the refund is asked
 *                             CR refunds:pending     R
 * REFUND_SETTLE (R)           DR refunds:pending     R   WeChat Pay refunded …
 *                             CR wechatpay:clearing  R
 *                             DR unionpay:settlement R   … and the card is credited through UnionPay
 *                             CR cardholder:<token>  R
 * REFUND_RELEASE (R)          DR refunds:pending     R   the refund was closed: back to the merchant
 *                             CR merchant:<id>       R
 */
export const Accounts = {
  cardholder: (cardToken: string) => `cardholder:${cardToken}`,
  merchant: (merchantId: string) => `merchant:${merchantId}`,
  unionpaySettlement: 'unionpay:settlement',
  wechatpayClearing: 'wechatpay:clearing',
  refundsPending: 'refunds:pending',
} as const;

export type LedgerKind = 'CAPTURE' | 'REFUND_RESERVE' | 'REFUND_SETTLE' | 'REFUND_RELEASE';

export interface LedgerLine {
  account: string;
  /** Debit > 0, credit < 0. */
  amountMinor: number;
  currency: string;
}

export interface Posting {
  kind: LedgerKind;
  /** Unique per kind: the payment id for CAPTURE, the refund id otherwise. Posting twice is a no-op. */
  reference: string;
  paymentId: string;
  lines: LedgerLine[];
}

interface Parties {
  cardToken: string;
  merchantId: string;
  currency: string;
}

const line = (account: string, amountMinor: number, currency: string): LedgerLine => ({
  account,
  amountMinor,
  currency,
});

export function capturePosting(paymentId: string, p: Parties, amount: number): Posting {
  return {
    kind: 'CAPTURE',
    reference: paymentId,
    paymentId,
    lines: [
      line(Accounts.cardholder(p.cardToken), amount, p.currency),
      line(Accounts.unionpaySettlement, -amount, p.currency),
      line(Accounts.wechatpayClearing, amount, p.currency),
      line(Accounts.merchant(p.merchantId), -amount, p.currency),
    ],
  };
}

export function refundReservePosting(
  paymentId: string,
  refundId: string,
  p: Parties,
  amount: number,
): Posting {
  return {
    kind: 'REFUND_RESERVE',
    reference: refundId,
    paymentId,
    lines: [
      line(Accounts.merchant(p.merchantId), amount, p.currency),
      line(Accounts.refundsPending, -amount, p.currency),
    ],
  };
}

export function refundSettlePosting(
  paymentId: string,
  refundId: string,
  p: Parties,
  amount: number,
): Posting {
  return {
    kind: 'REFUND_SETTLE',
    reference: refundId,
    paymentId,
    lines: [
      line(Accounts.refundsPending, amount, p.currency),
      line(Accounts.wechatpayClearing, -amount, p.currency),
      line(Accounts.unionpaySettlement, amount, p.currency),
      line(Accounts.cardholder(p.cardToken), -amount, p.currency),
    ],
  };
}

export function refundReleasePosting(
  paymentId: string,
  refundId: string,
  p: Parties,
  amount: number,
): Posting {
  return {
    kind: 'REFUND_RELEASE',
    reference: refundId,
    paymentId,
    lines: [
      line(Accounts.refundsPending, amount, p.currency),
      line(Accounts.merchant(p.merchantId), -amount, p.currency),
    ],
  };
}

/** Sum per currency; a posting is balanced when every sum is zero. */
export function imbalance(lines: readonly LedgerLine[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const l of lines) sums.set(l.currency, (sums.get(l.currency) ?? 0) + l.amountMinor);
  for (const [c, v] of sums) if (v === 0) sums.delete(c);
  return sums;
}

/** Business days are Asia/Shanghai calendar days (WeChat Pay's bills and UnionPay's files use them). */
export function businessDateOf(instant: Date): string {
  return new Date(instant.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}
