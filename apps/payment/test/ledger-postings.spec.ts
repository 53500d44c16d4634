import {
  Accounts,
  capturePosting,
  imbalance,
  refundReleasePosting,
  refundReservePosting,
  refundSettlePosting,
  type LedgerLine,
} from '../src/domain/ledger-accounts';
import { businessDateOf } from '../src/domain/ledger-accounts';

const parties = { cardToken: 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa', merchantId: 'm-1', currency: 'CNY' };

function balances(lines: LedgerLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.account] = (out[l.account] ?? 0) + l.amountMinor;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0));
}

describe('ledger postings', () => {
  it('balance to zero per currency, each of them', () => {
    for (const p of [
      capturePosting('p1', parties, 1000),
      refundReservePosting('p1', 'r1', parties, 300),
      refundSettlePosting('p1', 'r1', parties, 300),
      refundReleasePosting('p1', 'r1', parties, 300),
    ]) {
      expect(imbalance(p.lines).size).toBe(0);
      expect(p.lines.length).toBeGreaterThanOrEqual(2);
    }
  });

  it('a capture and a partial refund leave the cardholder owing the rest and nothing pending', () => {
    const lines = [
      ...capturePosting('p1', parties, 1000).lines,
      ...refundReservePosting('p1', 'r1', parties, 300).lines,
      ...refundSettlePosting('p1', 'r1', parties, 300).lines,
    ];
    expect(balances(lines)).toEqual({
      [Accounts.cardholder(parties.cardToken)]: 700,
      [Accounts.unionpaySettlement]: -700,
      [Accounts.wechatpayClearing]: 700,
      [Accounts.merchant('m-1')]: -700,
    });
  });

  it('a released refund gives the merchant its money back', () => {
    const lines = [
      ...capturePosting('p1', parties, 1000).lines,
      ...refundReservePosting('p1', 'r1', parties, 400).lines,
      ...refundReleasePosting('p1', 'r1', parties, 400).lines,
    ];
    expect(balances(lines)[Accounts.merchant('m-1')]).toBe(-1000);
    expect(balances(lines)[Accounts.refundsPending]).toBeUndefined();
  });

  it('books on Asia/Shanghai business days', () => {
    expect(businessDateOf(new Date('2026-11-25T15:59:59Z'))).toBe('2026-11-25');
    expect(businessDateOf(new Date('2026-11-25T16:00:00Z'))).toBe('2026-11-26');
  });
});
