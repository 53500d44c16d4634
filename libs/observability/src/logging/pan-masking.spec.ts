import { luhnInvalid, luhnValid, masked } from '../testing/luhn-fixtures';
import { maskPansInJson } from './json-line-masking';
import { maskPans } from './pan-masking';

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

  it('leaves 20+ digit runs untouched, even when a 13–19-digit slice of them would pass Luhn', () => {
    const long = `${pan16}0000`; // the first 16 digits are a valid PAN, the run is a 20-digit id
    expect(maskPans(`order ${long}`)).toBe(`order ${long}`);
    const longer = `9${pan19}`;
    expect(maskPans(longer)).toBe(longer);
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
