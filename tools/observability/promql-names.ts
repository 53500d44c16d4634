/** PromQL's words that are not series names. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'inf',
  'nan',
  'atan2',
]);

/**
 * The series names a PromQL expression selects: identifiers that are neither functions nor aggregations (followed
 * by `(`), keywords, label names (inside `{…}` or the label lists of by/without/on/ignoring/group_*), strings or
 * durations. Good enough for the gateway's own expressions; promtool parses them for real.
 */
export function seriesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ');
  const names = new Set<string>();
  for (const m of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, word, call] = m;
    if (call || KEYWORDS.has(word!.toLowerCase())) continue;
    // A number's exponent (1e3) or a duration's unit is no name: only words not preceded by a digit or a dot.
    const before = stripped[m.index! - 1];
    if (before && /[0-9.]/.test(before)) continue;
    names.add(word!);
  }
  return [...names];
}
