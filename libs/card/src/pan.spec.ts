import { maskedPan, maskPan, panProblem } from './pan';
import { runtimePan } from './test-pans';

describe('panProblem', () => {
  it('accepts a Luhn-valid 13-19 digit number', () => {
    for (const length of [13, 16, 19]) expect(panProblem(runtimePan('622202', length))).toBeUndefined();
  });

  it('names the first rule broken, in order, without quoting the value', () => {
    const valid = runtimePan();
    const badLuhn = `${valid.slice(0, -1)}${(Number(valid.at(-1)) + 1) % 10}`;
    const cases: [unknown, string][] = [
      [undefined, 'is required'],
      ['', 'is required'],
      [null, 'is required'],
      [6222021234567, 'must contain digits only'],
      [`${valid.slice(0, 8)} ${valid.slice(8)}`, 'must contain digits only'],
      ['abcd', 'must contain digits only'],
      [valid.slice(0, 12), 'must be 13-19 digits'],
      [`${valid}0`, 'must be 13-19 digits'],
      [badLuhn, 'fails the Luhn check'],
    ];
    for (const [value, problem] of cases) {
      expect({ value, problem: panProblem(value) }).toEqual({ value, problem });
      expect(problem).not.toMatch(/\d{6}/);
    }
  });
});

describe('masking', () => {
  it('keeps the first 6 and last 4 digits of a known card number, one * per hidden digit', () => {
    const pan = runtimePan('622202', 19);
    expect(maskPan(pan)).toBe(`${pan.slice(0, 6)}*********${pan.slice(-4)}`);
    const pan16 = runtimePan('621700', 16);
    expect(maskPan(pan16)).toBe(`621700******${pan16.slice(-4)}`);
    const pan13 = runtimePan('400000', 13);
    expect(maskPan(pan13)).toBe(`400000***${pan13.slice(-4)}`);
  });

  it('stars a value that is not a card number whole, so it never shows more than it should', () => {
    expect(maskPan('12345678')).toBe('********');
    expect(maskPan('6222 0212 3456 7890')).toBe('*'.repeat(19));
    expect(maskPan('')).toBe('');
  });

  it('builds the same form from the BIN, the last 4 and the length, as a vault stores them', () => {
    const pan = runtimePan('622202', 19);
    expect(maskedPan(pan.slice(0, 6), pan.slice(-4), pan.length)).toBe(maskPan(pan));
    expect(maskedPan('622202', '0128', 10)).toBe('6222020128');
    expect(maskedPan('622202', '0128', 8)).toBe('6222020128');
  });
});
