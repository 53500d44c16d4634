/*
 * China Standard Time has no daylight saving: UTC+8 all year, so calendar arithmetic is plain offset arithmetic.
 * Dates are 'YYYY-MM-DD' Beijing calendar dates; instants are Date (UTC).
 */
const CST_OFFSET_MS = 8 * 3600_000;
const DAY_MS = 24 * 3600_000;

export function beijingDateOf(instant: Date): string {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Minutes since Beijing midnight. */
export function beijingMinuteOfDay(instant: Date): number {
  const ms = (instant.getTime() + CST_OFFSET_MS) % DAY_MS;
  return Math.floor(ms / 60_000);
}

/** The instant of `date` at `hhmm` Beijing time. */
export function atBeijing(date: string, hhmm: string): Date {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return new Date(Date.parse(`${date}T00:00:00Z`) - CST_OFFSET_MS + (h * 60 + m) * 60_000);
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}
