import { CardDataError } from './card-data-error';
import {
  expiresAt,
  expiryProblem,
  isExpired,
  isYymm,
  isYymmExpired,
  MAX_YEARS_AHEAD,
  toYymm,
  yearInChina,
} from './expiry';

describe('card expiry', () => {
  it('ends the printed month at midnight China Standard Time (16:00 UTC on its last day)', () => {
    expect(expiresAt(12, 2030).toISOString()).toBe('2030-12-31T16:00:00.000Z');
    expect(expiresAt(2, 2028).toISOString()).toBe('2028-02-29T16:00:00.000Z');
    const end = expiresAt(6, 2027);
    expect(isExpired(6, 2027, new Date(end.getTime() - 1))).toBe(false);
    expect(isExpired(6, 2027, end)).toBe(true);
  });

  it('reads the year on a calendar in UTC+8', () => {
    expect(yearInChina(new Date('2029-12-31T15:59:59Z'))).toBe(2029);
    expect(yearInChina(new Date('2029-12-31T16:00:00Z'))).toBe(2030);
  });

  describe('expiryProblem', () => {
    const now = new Date('2026-05-10T00:00:00Z');

    it('accepts the current month and up to MAX_YEARS_AHEAD years ahead', () => {
      expect(expiryProblem('05', '2026', now)).toBeUndefined();
      expect(expiryProblem('12', String(2026 + MAX_YEARS_AHEAD), now)).toBeUndefined();
    });

    it('names the part at fault: format first, then too far ahead, then past', () => {
      const cases: [string, string, string, string][] = [
        ['5', '2030', 'month', 'must be two digits 01-12'],
        ['13', '2030', 'month', 'must be two digits 01-12'],
        ['00', '2030', 'month', 'must be two digits 01-12'],
        ['05', '30', 'year', 'must be four digits, e.g. 2030'],
        ['05', String(2027 + MAX_YEARS_AHEAD), 'year', `must be within ${MAX_YEARS_AHEAD} years`],
        // Past within the current year: the month is wrong; in an earlier year: the year.
        ['04', '2026', 'month', 'the card has expired (valid through its month end, UTC+8)'],
        ['12', '2025', 'year', 'the card has expired (valid through its month end, UTC+8)'],
      ];
      for (const [month, year, part, problem] of cases) {
        expect({ month, year, found: expiryProblem(month, year, now) }).toEqual({
          month,
          year,
          found: { part, problem },
        });
      }
    });

    it('judges "past" in UTC+8: April ends at 16:00 UTC on the 30th', () => {
      expect(expiryProblem('04', '2026', new Date('2026-04-30T15:59:59Z'))).toBeUndefined();
      expect(expiryProblem('04', '2026', new Date('2026-04-30T16:00:00Z'))?.part).toBe('month');
    });
  });

  describe('YYMM (ISO 8583 field 14)', () => {
    it('converts a month and a four-digit year', () => {
      expect(toYymm('12', '2030')).toBe('3012');
      expect(toYymm('1', '2031')).toBe('3101');
      expect(toYymm('07', '2029')).toBe('2907');
    });

    it('refuses a malformed part with a typed error that names it and not the value', () => {
      for (const [month, year, field] of [
        ['13', '2030', 'expiry month'],
        ['0', '2030', 'expiry month'],
        ['1a', '2030', 'expiry month'],
        ['12', '30', 'expiry year'],
        ['12', '20301', 'expiry year'],
      ]) {
        const error = (() => {
          try {
            toYymm(month!, year!);
          } catch (e) {
            return e;
          }
        })();
        expect(error).toBeInstanceOf(CardDataError);
        expect(error).toMatchObject({ field });
        expect((error as Error).message).not.toContain(year!);
      }
    });

    it('checks the format', () => {
      expect(isYymm('3012')).toBe(true);
      for (const bad of ['3013', '3000', '301', '30121', 3012, undefined]) expect(isYymm(bad)).toBe(false);
    });

    it('is expired after its month ends in UTC+8, like a printed expiry', () => {
      expect(isYymmExpired('2604', new Date('2026-04-30T15:59:59Z'))).toBe(false);
      expect(isYymmExpired('2604', new Date('2026-04-30T16:00:00Z'))).toBe(true);
      expect(isYymmExpired('3012', new Date('2026-04-30T16:00:00Z'))).toBe(false);
      expect(() => isYymmExpired('26-4', new Date())).toThrow(CardDataError);
    });
  });
});
