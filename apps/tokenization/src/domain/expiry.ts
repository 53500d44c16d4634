/**
 * Card expiry. A card printed "MM/YY" is valid through the last moment of that month; this bank's cards are
 * issued in China, so the month ends in China Standard Time (UTC+8, no daylight saving). The card therefore
 * expires at 00:00 UTC+8 on the first day of the following month, i.e. 16:00 UTC on the month's last day.
 */
const CHINA_STANDARD_TIME_OFFSET_MS = 8 * 3600_000;

/** Cards are not issued for longer than this; a later year is a typing error. */
export const MAX_YEARS_AHEAD = 20;

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
