import { addMoney, formatMoney, minorUnitsTransformer, money, MoneyError, subtractMoney } from './money';

describe('money', () => {
  it('holds whole minor units with a currency', () => {
    expect(money(12345, 'CNY')).toEqual({ minor: 12345, currency: 'CNY' });
    expect(addMoney(money(1, 'CNY'), money(2, 'CNY'))).toEqual({ minor: 3, currency: 'CNY' });
    expect(subtractMoney(money(1, 'CNY'), money(2, 'CNY')).minor).toBe(-1);
  });

  it('refuses fractions, unsafe integers, unknown currencies and mixed currencies', () => {
    expect(() => money(1.5, 'CNY')).toThrow(MoneyError);
    expect(() => money(Number.MAX_SAFE_INTEGER + 1, 'CNY')).toThrow(MoneyError);
    expect(() => money(1, 'XXX')).toThrow("unsupported currency 'XXX'");
    expect(() => addMoney(money(1, 'CNY'), money(1, 'USD'))).toThrow('currency mismatch');
  });

  it('formats by the currency exponent for display', () => {
    expect(formatMoney(money(5, 'CNY'))).toBe('0.05 CNY');
    expect(formatMoney(money(-123456, 'CNY'))).toBe('-1234.56 CNY');
    expect(formatMoney(money(500, 'JPY'))).toBe('500 JPY');
  });

  it('maps bigint strings from PostgreSQL and refuses values that would lose precision', () => {
    expect(minorUnitsTransformer.from('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => minorUnitsTransformer.from('9007199254740993')).toThrow(MoneyError);
    expect(minorUnitsTransformer.to(42)).toBe('42');
    expect(() => minorUnitsTransformer.to(0.1)).toThrow(MoneyError);
  });
});
