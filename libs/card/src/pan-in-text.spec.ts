import { randomUUID } from 'crypto';
import { luhnValid } from './luhn';
import { containsPan, findPanSpans } from './pan-in-text';
import { runtimePan } from './test-pans';

/** A digit string of `length` that fails Luhn. */
function notLuhn(length: number): string {
  const pan = runtimePan('622202', length);
  const last = Number(pan.slice(-1));
  return pan.slice(0, -1) + String((last + 1) % 10);
}

const grouped = (pan: string, sep: string) => pan.match(/.{1,4}/g)!.join(sep);

describe('containsPan (what the service edge refuses)', () => {
  it.each([13, 16, 19])('finds a %i-digit card number, bare or in text', (length) => {
    const pan = runtimePan('622202', length);
    expect(containsPan(pan)).toBe(true);
    expect(containsPan(`for table 12, card ${pan}, thanks`)).toBe(true);
  });

  it.each([' ', '-', '.'])('finds one written in groups joined by %j', (sep) => {
    const pan = runtimePan('622202', 16);
    expect(containsPan(`card: ${grouped(pan, sep)}`)).toBe(true);
  });

  it('finds one written next to another number', () => {
    expect(containsPan(`20261207 ${runtimePan('622202', 16)}`)).toBe(true);
  });

  it('leaves alone what is not a card number: short runs, Luhn failures, separators it does not join', () => {
    expect(containsPan('order 123456789012 of 2026-12-07, phone 138 0013 8000')).toBe(false);
    const bad = notLuhn(16);
    expect(luhnValid(bad)).toBe(false);
    expect(containsPan(bad)).toBe(false);
    expect(containsPan(grouped(runtimePan('622202', 16), ', '))).toBe(false);
  });

  it('does not take digits glued to letters for one (an appid, a class name with a timestamp)', () => {
    const pan = runtimePan('622202', 16);
    expect(containsPan(`wx${pan}`)).toBe(false);
    expect(containsPan(`${pan}abc`)).toBe(false);
    expect(containsPan(`pan=${pan};`)).toBe(true);
  });

  it('does not look inside runs of 20 or more digits (counterparty ids), which masking still stars', () => {
    // A transaction id that carries a Luhn-valid 16-digit window.
    const id = `4200${runtimePan('622202', 16)}0123`;
    expect(containsPan(id)).toBe(false);
    expect(findPanSpans(id)).toHaveLength(1);
  });

  it('never finds one in a UUID, whose digit groups (8-4-4-4-12) are not a card number written out', () => {
    const allDigits = '12345678-1234-4234-8234-123456789012'; // every group digits: the worst case
    expect(containsPan(allDigits)).toBe(false);
    for (let i = 0; i < 20_000; i++) expect(containsPan(randomUUID())).toBe(false);
    // Masking stays wider: it stars a number the edge lets through as not written out (8-8).
    const pan = runtimePan('622202', 16);
    const eightEight = `${pan.slice(0, 8)}-${pan.slice(8)}`;
    expect(containsPan(eightEight)).toBe(false);
    expect(findPanSpans(eightEight)).toHaveLength(1);
  });
});
