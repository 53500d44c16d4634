/**
 * Card-number (PAN) masking for log output.
 *
 * A PAN candidate is a run of 13–19 digits that passes the Luhn check, written either contiguously
 * (`6222021234567894`) or in groups joined by single spaces or dashes (`6222 0212 3456 7894`,
 * `6222-0212-3456-7894`). Masked form: the first 6 and last 4 digits stay, every digit in between becomes `*`,
 * separators stay where they were, so the length never changes: `622202******7894`, `6222 02** **** 7894`.
 *
 * Boundaries: a contiguous run of 20 or more digits is a different kind of number (an order id, a hash) and is
 * never split into PAN-sized pieces. Grouped runs are only ever cut at their separators, so a PAN written next
 * to another number (`20240101 6222021234567894`) is still found. When overlapping candidates pass Luhn, the union
 * of their masked digits is starred: masking too much is the safe failure.
 */
import { luhnValid, MAX_PAN_LENGTH, MIN_PAN_LENGTH } from '@wxpay/card';

const MIN_PAN_DIGITS = MIN_PAN_LENGTH;
const MAX_PAN_DIGITS = MAX_PAN_LENGTH;
const KEEP_FIRST = 6;
const KEEP_LAST = 4;

/** Cheap pre-check: 13 digits, each pair at most one space or dash apart. Anything else cannot hold a PAN. */
const MAY_HOLD_PAN = /\d(?:[ -]?\d){12}/;
/** Digit groups joined by single spaces or dashes. */
const DIGIT_SEQUENCE = /\d+(?:[ -]\d+)*/g;

const CODE_0 = 48;
const CODE_9 = 57;

/** True when `text` may contain a PAN; false is certain, true only means "look closer". */
export function mayContainPan(text: string): boolean {
  return text.length >= MIN_PAN_DIGITS && MAY_HOLD_PAN.test(text);
}

interface DigitGroup {
  /** Index in the text of the group's first digit. */
  start: number;
  /** Index in the text just after the group's last digit. */
  end: number;
}

function splitGroups(text: string, start: number, end: number): DigitGroup[] {
  const groups: DigitGroup[] = [];
  let groupStart = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const isDigit = c >= CODE_0 && c <= CODE_9;
    if (isDigit && groupStart < 0) groupStart = i;
    if (!isDigit && groupStart >= 0) {
      groups.push({ start: groupStart, end: i });
      groupStart = -1;
    }
  }
  if (groupStart >= 0) groups.push({ start: groupStart, end });
  return groups;
}

/**
 * Text positions of the digits to star inside one digit sequence (`text[start, end)`), in ascending order,
 * or an empty array when the sequence holds no PAN.
 */
function maskedPositions(text: string, start: number, end: number): number[] {
  const groups = splitGroups(text, start, end);
  const masked = new Set<number>();
  for (let first = 0; first < groups.length; first++) {
    const positions: number[] = [];
    let digits = '';
    for (let last = first; last < groups.length; last++) {
      const g = groups[last];
      if (positions.length + (g.end - g.start) > MAX_PAN_DIGITS) break;
      for (let i = g.start; i < g.end; i++) positions.push(i);
      digits += text.slice(g.start, g.end);
      if (digits.length >= MIN_PAN_DIGITS && luhnValid(digits)) {
        for (let k = KEEP_FIRST; k < positions.length - KEEP_LAST; k++) masked.add(positions[k]);
      }
    }
  }
  return [...masked].sort((a, b) => a - b);
}

/** One stretch of text whose digits at `positions` must be starred. */
export interface PanSpan {
  start: number;
  end: number;
  positions: number[];
}

/** Every digit sequence in `text` that holds at least one PAN, left to right. */
export function findPanSpans(text: string): PanSpan[] {
  const spans: PanSpan[] = [];
  DIGIT_SEQUENCE.lastIndex = 0;
  for (let m = DIGIT_SEQUENCE.exec(text); m !== null; m = DIGIT_SEQUENCE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end - start < MIN_PAN_DIGITS) continue;
    const positions = maskedPositions(text, start, end);
    if (positions.length > 0) spans.push({ start, end, positions });
  }
  return spans;
}

/** `text[start, end)` with the digits at `positions` (ascending, all inside the range) replaced by `*`. */
export function starDigits(text: string, start: number, end: number, positions: readonly number[]): string {
  let out = '';
  let from = start;
  for (const p of positions) {
    out += text.slice(from, p) + '*';
    from = p + 1;
  }
  return out + text.slice(from, end);
}

/**
 * Masks every Luhn-valid 13–19-digit card number in `text` (see the module comment for the exact form and
 * boundaries). Returns `text` itself when there is nothing to mask.
 */
export function maskPans(text: string): string {
  if (!mayContainPan(text)) return text;
  const spans = findPanSpans(text);
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const s of spans) {
    out += text.slice(from, s.start) + starDigits(text, s.start, s.end, s.positions);
    from = s.end;
  }
  return out + text.slice(from);
}
