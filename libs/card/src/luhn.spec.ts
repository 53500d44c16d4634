import { luhnCheckDigit, luhnValid } from './luhn';
import { runtimePan } from './test-pans';

describe('Luhn', () => {
  it('accepts the published example and numbers built with their check digit', () => {
    // The worked example of ISO/IEC 7812-1 Annex B and most references: 7992739871, check digit 3.
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnCheckDigit('7992739871')).toBe(3);
    for (const length of [13, 16, 19]) expect(luhnValid(runtimePan('622202', length))).toBe(true);
  });

  it('rejects any single changed digit and the usual transposition of two adjacent digits', () => {
    const pan = runtimePan();
    for (let i = 0; i < pan.length; i++) {
      const d = Number(pan[i]);
      const changed = `${pan.slice(0, i)}${(d + 1) % 10}${pan.slice(i + 1)}`;
      expect({ i, valid: luhnValid(changed) }).toEqual({ i, valid: false });
    }
    expect(luhnValid('79927398731')).toBe(false); // 1-3 swapped at the end
  });

  it('computes the check digit for every remainder, 0 included', () => {
    const digits = new Set<number>();
    for (let n = 0; n < 200; n++) {
      const body = `62220${String(n).padStart(7, '0')}`;
      const check = luhnCheckDigit(body);
      expect(luhnValid(`${body}${check}`)).toBe(true);
      digits.add(check);
    }
    expect([...digits].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('treats an empty string as valid arithmetic and a non-digit as invalid (callers check the format first)', () => {
    expect(luhnValid('')).toBe(true);
    expect(luhnValid('tok_')).toBe(false);
  });
});
