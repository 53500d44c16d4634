import { luhnValid } from '@wxpay/card';
import { isToken, newToken } from './card-token';

describe('tokens', () => {
  it('are tok_ + 26 base32 characters, random and never a digit string', () => {
    const tokens = Array.from({ length: 2000 }, newToken);
    expect(new Set(tokens).size).toBe(tokens.length);
    for (const t of tokens) {
      expect(isToken(t)).toBe(true);
      expect(/^\d{13,19}$/.test(t)).toBe(false);
    }
    // Digits only appear as 2-7 inside letters; a token can never be read as a Luhn-checked card number.
    expect(luhnValid('tok_')).toBe(false);
  });

  it('rejects look-alikes', () => {
    for (const t of [
      '',
      'tok_',
      'TOK_aaaaaaaaaaaaaaaaaaaaaaaaaa',
      'tok_aaaaaaaaaaaaaaaaaaaaaaaaa1',
      '6222021234567890128',
    ]) {
      expect(isToken(t)).toBe(false);
    }
  });
});
