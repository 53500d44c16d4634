import { type CreditCardRecord, type LimitPay } from '../store/sim-state';

/** What a papay deduction is paid from. */
export type FundingSource = { kind: 'CHANGE' } | { kind: 'CREDIT_CARD'; bankType: string };

/** What the payer holds in WeChat Pay: the change (零钱) balance and, if bound, a credit card. */
export interface PayerWallet {
  changeFen: number;
  creditCard?: CreditCardRecord;
}

/**
 * Where a deduction draws from, in WeChat Pay's default order (change, then bound credit cards, then debit cards;
 * the simulator models no debit card), skipping what the merchant excluded with `limit_pay`; undefined when
 * nothing allowed covers the amount. Repaying a credit card with credit is what `no_credit` keeps out.
 */
export function fundDeduction(
  totalFen: number,
  wallet: PayerWallet,
  limitPay: readonly LimitPay[] = [],
): FundingSource | undefined {
  const changeAllowed = !limitPay.includes('no_balance');
  const creditAllowed = !limitPay.includes('no_credit') && !limitPay.includes('balance_only');
  if (changeAllowed && wallet.changeFen >= totalFen) return { kind: 'CHANGE' };
  const card = wallet.creditCard;
  if (creditAllowed && card && card.available_fen >= totalFen) {
    return { kind: 'CREDIT_CARD', bankType: card.bank_type };
  }
  return undefined;
}
