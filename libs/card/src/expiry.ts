import { CardDataError } from './card-data-error';

/**
 * Card expiry. A card printed "MM/YY" is valid through the last moment of that month; this bank's cards are
 * issued in China, so the month ends in China Standard Time (UTC+8, no daylight saving). The card therefore
 * expires at 00:00 UTC+8 on the first day of the following month, i.e. 16:00 UTC on the month's last day.
 */
const CHINA_STANDARD_TIME_OFFSET_MS = 8 * 3600_000;

/** Cards are not issued for longer than this; a later year is a typing error. */
export const MAX_YEARS_AHEAD = 20;

const MONTH = /^(0[1-9]|1[0-2])$/;
const YEAR = /^\d{4}$/;
/** ISO 8583 field 14 (and UnionPay's F14): YYMM. */
const YYMM = /^\d{2}(0[1-9]|1[0-2])$/;

/** The first instant at which the card is expired. `month` is 1-12. */
export function expiresAt(month: number, year: number): Date {
  // Date.UTC months are 0-based, so `month` (1-based) is the following month; day 1 of it at 00:00 UTC+8.
  return new Date(Date.UTC(year, month, 1) - CHINA_STANDARD_TIME_OFFSET_MS);
}

export function isExpired(month: number, year: number, now: Date): boolean {
  return now.getTime() >= expiresAt(month, year).getTime();
}

/** The current year as seen in UTC+8 (what a cardholder reads on the calendar). */
export function yearInChina(now: Date): number {
  return new Date(now.getTime() + CHINA_STANDARD_TIME_OFFSET_MS).getUTCFullYear();
}

/** Which part of a printed expiry is wrong (the caller names its own field, e.g. `expiry_month`) and why. */
export interface ExpiryProblem {
  part: 'month' | 'year';
  problem: string;
}

/**
 * The first problem of an expiry typed as a two-digit month and a four-digit year: format, more than
 * MAX_YEARS_AHEAD years ahead, or already past (then the part that makes it past: the month within the current
 * year, otherwise the year). Undefined when the card is usable at `now`. Problems never quote the value.
 */
export function expiryProblem(month: string, year: string, now: Date): ExpiryProblem | undefined {
  if (!MONTH.test(month)) return { part: 'month', problem: 'must be two digits 01-12' };
  if (!YEAR.test(year)) return { part: 'year', problem: 'must be four digits, e.g. 2030' };
  const [m, y] = [Number(month), Number(year)];
  if (y > yearInChina(now) + MAX_YEARS_AHEAD) {
    return { part: 'year', problem: `must be within ${MAX_YEARS_AHEAD} years` };
  }
  if (isExpired(m, y, now)) {
    const part = y === yearInChina(now) ? 'month' : 'year';
    return { part, problem: 'the card has expired (valid through its month end, UTC+8)' };
  }
  return undefined;
}

/** True for a YYMM expiry (ISO 8583 field 14) with a month 01-12. */
export function isYymm(value: unknown): value is string {
  return typeof value === 'string' && YYMM.test(value);
}

/**
 * The YYMM form (ISO 8583 field 14) of a month (1-12, one or two digits) and a four-digit year. Throws a
 * CardDataError naming the part, never the value.
 */
export function toYymm(month: string, year: string): string {
  if (!/^\d{1,2}$/.test(month) || Number(month) < 1 || Number(month) > 12) {
    throw new CardDataError('expiry month', 'must be 1-12');
  }
  if (!YEAR.test(year)) throw new CardDataError('expiry year', 'must be four digits');
  return `${year.slice(-2)}${month.padStart(2, '0')}`;
}

/** A YYMM expiry (years 2000-2099) is past at `now`: the card was valid through that month's end, UTC+8. */
export function isYymmExpired(yymm: string, now: Date): boolean {
  if (!isYymm(yymm)) throw new CardDataError('expiry', 'must be YYMM');
  return isExpired(Number(yymm.slice(2)), 2000 + Number(yymm.slice(0, 2)), now);
}
