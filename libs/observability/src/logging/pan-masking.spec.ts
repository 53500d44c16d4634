import { luhnInvalid, luhnValid, masked } from '../testing/luhn-fixtures';
import { maskPansInJson } from './json-line-masking';
import { maskPans } from '@wxpay/card';

describe('maskPans', () => {
  const pan13 = luhnValid('4', 13);
  const pan16 = luhnValid('622202', 16);
  const pan19 = luhnValid('621700', 19);

  it.each([
    ['13', pan13],
    ['16', pan16],
    ['19', pan19],
  ])('masks a Luhn-valid %s-digit PAN inside text, keeping first 6 and last 4', (_len, pan) => {
    expect(maskPans(`card ${pan} declined`)).toBe(`card ${masked(pan)} declined`);
    expect(masked(pan)).toHaveLength(pan.length);
  });

  it('masks PANs glued to letters or punctuation, and several in one string', () => {
    const text = `pan=${pan16};backup:${pan19}.`;
    expect(maskPans(text)).toBe(`pan=${masked(pan16)};backup:${masked(pan19)}.`);
  });

  it('masks spaced and dashed forms in place, keeping the separators', () => {
    const spaced = `${pan16.slice(0, 4)} ${pan16.slice(4, 8)} ${pan16.slice(8, 12)} ${pan16.slice(12)}`;
    const dashed = spaced.replace(/ /g, '-');
    expect(maskPans(`paid with ${spaced}`)).toBe(
      `paid with ${pan16.slice(0, 4)} ${pan16.slice(4, 6)}** **** ${pan16.slice(12)}`,
    );
    expect(maskPans(dashed)).toBe(`${pan16.slice(0, 4)}-${pan16.slice(4, 6)}**-****-${pan16.slice(12)}`);
  });

  it('finds a PAN written next to another number', () => {
    expect(maskPans(`20240101 ${pan16}`)).toBe(`20240101 ${masked(pan16)}`);
  });

  it('leaves digit runs that fail Luhn untouched', () => {
    for (const len of [13, 16, 19]) {
      const text = `ref ${luhnInvalid('622202', len)} end`;
      expect(maskPans(text)).toBe(text);
    }
  });

  it('masks a PAN inside a run of 20 or more digits (an ISO 8583 private field), whatever surrounds it', () => {
    const f62 = `00219${pan19}0128014043012`;
    const out = maskPans(`F62=${f62}`);
    expect(out).not.toContain(pan19);
    const glued = `${pan16}0000`;
    expect(maskPans(glued)).not.toContain(pan16);
  });

  it('masks dotted forms in place, keeping the dots', () => {
    const dotted = `${pan16.slice(0, 4)}.${pan16.slice(4, 8)}.${pan16.slice(8, 12)}.${pan16.slice(12)}`;
    expect(maskPans(`card ${dotted}`)).toBe(
      `card ${pan16.slice(0, 4)}.${pan16.slice(4, 6)}**.****.${pan16.slice(12)}`,
    );
  });

  describe('property: no generated layout lets a PAN through', () => {
    // A small seeded generator (mulberry32): the same layouts on every run, a failure reproducible.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number) => Math.floor(random() * n);
    const digits = (n: number) => Array.from({ length: n }, () => String(int(10))).join('');
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
    const grouped = (pan: string, sep: string) => pan.replace(/(\d{4})(?=\d)/g, `$1${sep}`);
    const layouts: ((pan: string) => string)[] = [
      // A concatenated private field (20 digits or more; a shorter run is one candidate as a whole).
      (pan) => `F62=${digits(1 + int(8))}${pan}${digits(Math.max(1, 20 - pan.length) + int(12))}`,
      (pan) => JSON.stringify({ note: `card ${grouped(pan, pick([' ', '-', '.']))}`, n: 1 }),
      (pan) => `{"pan":${pan},"amount":${int(100000)}}`, // a bare JSON number
      (pan) => `/pay?amount=${int(9999)}&card=${pan}&sig=${digits(8)}`, // query string
      (pan) => `${digits(4)} ${grouped(pan, pick([' ', '-', '.']))} ${digits(3)}`,
    ];

    it('masks the PAN in 2,000 generated layouts of generated card numbers', () => {
      const leaks: string[] = [];
      for (let i = 0; i < 2000; i++) {
        const length = 13 + int(7);
        const pan = luhnValid(pick(['4', '51', '62', '6222', '3528']), length);
        const text = pick(layouts)(pan);
        const out = text.startsWith('{') && !text.includes('"pan":') ? maskPansInJson(text) : maskPans(text);
        if (out.replace(/[ .-]/g, '').includes(pan)) leaks.push(text);
      }
      expect(leaks).toEqual([]);
    });
  });

  it('leaves short numbers, double-spaced groups and plain text untouched and returns the same string', () => {
    const text = 'amount 12345 fen at 2026-01-31T10:00:00Z, phone 138 0013 8000';
    expect(maskPans(text)).toBe(text);
    const doubleSpaced = `${pan16.slice(0, 8)}  ${pan16.slice(8)}`;
    expect(maskPans(doubleSpaced)).toBe(doubleSpaced);
  });

  it('masks inside a JSON document and keeps it valid JSON, even for a PAN that is a bare number', () => {
    const json = JSON.stringify({ note: `card ${pan16}`, nested: { list: [pan19] } }).replace(
      /}$/,
      `,"n":${pan13}}`,
    );
    const out = maskPansInJson(json);
    expect(JSON.parse(out)).toEqual({
      note: `card ${masked(pan16)}`,
      nested: { list: [masked(pan19)] },
      n: masked(pan13),
    });
  });

  it('keeps escaped quotes inside JSON strings from confusing the string tracking', () => {
    const json = JSON.stringify({ msg: `say "${pan16}" \\ ok`, n: 1 });
    expect(JSON.parse(maskPansInJson(json))).toEqual({ msg: `say "${masked(pan16)}" \\ ok`, n: 1 });
  });
});
