import { HORIZON_MS, HOUR_MS, MINUTE_MS } from '../state/window-kinds';

/**
 * A window span such as "10m", "1h", "24h": whole minutes up to an hour, whole hours above (the bucket
 * granularity of busy keys), at most the 24 h horizon. Returns an error message for anything else.
 */
export function parseSpan(text: string): number | string {
  const m = /^(\d{1,4})([mh])$/.exec(text);
  if (!m) return `'${text}' is not a span like 10m, 1h or 24h`;
  const ms = Number(m[1]) * (m[2] === 'm' ? MINUTE_MS : HOUR_MS);
  if (ms <= 0) return 'a span must be longer than zero';
  if (ms > HORIZON_MS) return `'${text}' is longer than the 24h the windows keep`;
  if (ms > HOUR_MS && ms % HOUR_MS !== 0) return `'${text}': spans above 1h must be whole hours`;
  return ms;
}
