/**
 * CUPS date/time fields are Beijing time (UTC+8, no daylight saving) — fact sheet §2. Instants stay UTC
 * everywhere else; these helpers render the wire fields.
 */
const OFFSET_MS = 8 * 3600 * 1000;

function parts(at: Date) {
  const d = new Date(at.getTime() + OFFSET_MS);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return {
    year: String(d.getUTCFullYear()),
    month: p2(d.getUTCMonth() + 1),
    day: p2(d.getUTCDate()),
    hour: p2(d.getUTCHours()),
    minute: p2(d.getUTCMinutes()),
    second: p2(d.getUTCSeconds()),
  };
}

/** F7: MMDDhhmmss. */
export function transmissionDateTime(at: Date): string {
  const p = parts(at);
  return `${p.month}${p.day}${p.hour}${p.minute}${p.second}`;
}

/** F12: hhmmss. */
export function localTime(at: Date): string {
  const p = parts(at);
  return `${p.hour}${p.minute}${p.second}`;
}

/** F13 / F15: MMDD. */
export function monthDay(at: Date): string {
  const p = parts(at);
  return `${p.month}${p.day}`;
}

/** The Beijing calendar date of an instant, YYYY-MM-DD (settlement dates). */
export function beijingDate(at: Date): string {
  const p = parts(at);
  return `${p.year}-${p.month}-${p.day}`;
}

/** YYMM of the Beijing calendar month (card expiry comparisons). */
export function beijingYearMonth(at: Date): string {
  const p = parts(at);
  return `${p.year.slice(2)}${p.month}`;
}

/**
 * The instant an F7 (MMDDhhmmss, Beijing time, no year) names: in the year that puts it nearest `now`; undefined
 * for a malformed F7 or a date that does not exist (31 February).
 */
export function transmissionInstant(f7: string, now: Date): Date | undefined {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(f7);
  if (!m) return undefined;
  const [month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const year = Number(parts(now).year);
  let best: Date | undefined;
  for (const y of [year - 1, year, year + 1]) {
    const at = new Date(Date.UTC(y, month - 1, day, hour, minute, second) - OFFSET_MS);
    // Date.UTC rolls 31 February over into March: such an F7 names no instant.
    if (transmissionDateTime(at) !== f7) continue;
    if (!best || Math.abs(at.getTime() - now.getTime()) < Math.abs(best.getTime() - now.getTime())) best = at;
  }
  return best;
}
