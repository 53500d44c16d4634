/** RFC 3339 in Beijing time, as WeChat Pay writes every time in its bodies: 2018-06-08T10:34:56+08:00. */
export function beijingTime(at: Date | number = Date.now()): string {
  const ms = (typeof at === 'number' ? at : at.getTime()) + 8 * 3600 * 1000;
  return `${new Date(ms).toISOString().slice(0, 19)}+08:00`;
}

/** Calendar date in Beijing, YYYY-MM-DD. */
export function beijingDate(at: number = Date.now()): string {
  return beijingTime(at).slice(0, 10);
}
