import { luhnValid } from '@wxpay/card';
import { digitFreeKey, uniqueTestPan, withLuhnCheckDigit } from './cards';

describe('test card numbers', () => {
  it('are Luhn-valid, start with the BIN, have the asked length and never repeat', () => {
    const pans = Array.from({ length: 500 }, () => uniqueTestPan('622203', 18));
    for (const pan of pans) {
      expect(pan).toMatch(/^622203\d{12}$/);
      expect(luhnValid(pan)).toBe(true);
    }
    expect(new Set(pans).size).toBe(pans.length);
    expect(uniqueTestPan()).toMatch(/^622202\d{13}$/);
  });

  it('append the one check digit that satisfies Luhn', () => {
    expect(withLuhnCheckDigit('7992739871')).toBe('79927398713');
  });

  it('refuse a length that leaves no room for a counter', () => {
    expect(() => uniqueTestPan('62220212345', 19)).toThrow('no room');
  });

  it('give keys without a single digit, so no field can look like a card number', () => {
    const keys = Array.from({ length: 200 }, () => digitFreeKey());
    for (const k of keys) expect(k).toMatch(/^[a-p]{24}$/);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
