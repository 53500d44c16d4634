import { fundDeduction } from '../src/domain/deduction-funding';

const card = { available_fen: 50_000, bank_type: 'ICBC_CREDIT' };

describe('fundDeduction', () => {
  it('draws on the change first, then on the bound credit card (WeChat Pay default order)', () => {
    expect(fundDeduction(10_000, { changeFen: 10_000, creditCard: card })).toEqual({ kind: 'CHANGE' });
    expect(fundDeduction(10_001, { changeFen: 10_000, creditCard: card })).toEqual({
      kind: 'CREDIT_CARD',
      bankType: 'ICBC_CREDIT',
    });
  });

  it('never draws on credit when the merchant sent no_credit (or balance_only)', () => {
    expect(fundDeduction(10_001, { changeFen: 10_000, creditCard: card }, ['no_credit'])).toBeUndefined();
    expect(fundDeduction(10_001, { changeFen: 10_000, creditCard: card }, ['balance_only'])).toBeUndefined();
    expect(fundDeduction(10_000, { changeFen: 10_000, creditCard: card }, ['no_credit'])).toEqual({
      kind: 'CHANGE',
    });
  });

  it('skips the change with no_balance, and fails when nothing allowed covers the amount', () => {
    expect(fundDeduction(100, { changeFen: 10_000, creditCard: card }, ['no_balance'])).toEqual({
      kind: 'CREDIT_CARD',
      bankType: 'ICBC_CREDIT',
    });
    expect(fundDeduction(60_000, { changeFen: 10_000, creditCard: card })).toBeUndefined();
    expect(fundDeduction(100, { changeFen: 0 })).toBeUndefined();
  });
});
