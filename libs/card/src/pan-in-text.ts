/**
 * Card numbers (PANs) in free text: found (what the service edge refuses, libs/grpc) and masked (what the logs
 * and stored counterparty text show, libs/observability and the webhook intake).
 *
 * A PAN candidate is a run of 13–19 digits that passes the Luhn check, written either contiguously
 * (`dddddddddddddddd`) or in groups joined by single spaces, dashes or dots (`dddd dddd dddd dddd`,
 * `dddd-dddd-dddd-dddd`, `dddd.dddd.dddd.dddd`). Masked form: the first 6 and last 4 digits stay, every digit in
 * between becomes `*`, separators stay where they were, so the length never changes: `622202******7894`,
 * `6222 02** **** 7894`.
 *
 * Boundaries: a group of 13–19 digits is one candidate as a whole, never a slice of it. A contiguous run of 20 or
 * more digits cannot be one card number but can carry one (ISO 8583 private fields concatenate a PAN with other
 * digits: F62's `00219` + PAN + `0128014043012`), so every 13–19-digit window of it that passes Luhn is starred;
 * an order or transaction id of that length is then partly starred too. Grouped runs are cut at their
 * separators as well, so a PAN written next to another number (`20240101 dddddddddddddddd`) is still found. When
 * overlapping candidates pass Luhn, the union of their masked digits is starred: masking too much is the safe
 * failure.
 */
import { luhnValid } from './luhn';
import { MAX_PAN_LENGTH, MIN_PAN_LENGTH } from './pan';

const MIN_PAN_DIGITS = MIN_PAN_LENGTH;
const MAX_PAN_DIGITS = MAX_PAN_LENGTH;
const KEEP_FIRST = 6;
const KEEP_LAST = 4;

/** Cheap pre-check: 13 digits, each pair at most one space, dash or dot apart. Anything else cannot hold a PAN. */
const MAY_HOLD_PAN = /\d(?:[ .-]?\d){12}/;
/** Digit groups joined by single spaces, dashes or dots. */
const DIGIT_SEQUENCE = /\d+(?:[ .-]\d+)*/g;

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
function maskedPositions(text: string, start: number, end: number, search: Required<PanSearch>): number[] {
  const groups = splitGroups(text, start, end);
  const masked = new Set<number>();
  for (let first = 0; first < groups.length; first++) {
    const positions: number[] = [];
    let digits = '';
    for (let last = first; last < groups.length; last++) {
      const g = groups[last];
      if (positions.length + (g.end - g.start) > MAX_PAN_DIGITS) break;
      // A written card number groups its digits by 4 (4-6-5 for 15): where the search asks, a longer group joined
      // to others, or digits glued to letters, are taken as part of something else (a UUID's 8-4-4-4-12). Letters
      // end a digit sequence, so only its first and last group can touch one: no longer candidate does better.
      if (search.writtenOut && !writtenOut(text, groups, first, last)) break;
      for (let i = g.start; i < g.end; i++) positions.push(i);
      digits += text.slice(g.start, g.end);
      if (digits.length >= MIN_PAN_DIGITS && luhnValid(digits)) {
        for (let k = KEEP_FIRST; k < positions.length - KEEP_LAST; k++) masked.add(positions[k]);
      }
    }
  }
  if (search.windows)
    for (const g of groups) if (g.end - g.start > MAX_PAN_DIGITS) maskWindows(text, g, masked);
  return [...masked].sort((a, b) => a - b);
}

function writtenOut(text: string, groups: DigitGroup[], first: number, last: number): boolean {
  if (last > first)
    for (let i = first; i <= last; i++) if (groups[i]!.end - groups[i]!.start > 6) return false;
  return !LETTER.test(text.charAt(groups[first]!.start - 1)) && !LETTER.test(text.charAt(groups[last]!.end));
}

/** Every 13–19-digit window of a run too long to be a card number that passes Luhn, added to `masked`. */
function maskWindows(text: string, run: DigitGroup, masked: Set<number>): void {
  for (let s = run.start; s + MIN_PAN_DIGITS <= run.end; s++) {
    for (let len = MIN_PAN_DIGITS; len <= MAX_PAN_DIGITS && s + len <= run.end; len++) {
      if (!luhnValid(text.slice(s, s + len))) continue;
      for (let k = s + KEEP_FIRST; k < s + len - KEEP_LAST; k++) masked.add(k);
    }
  }
}

/** One stretch of text whose digits at `positions` must be starred. */
export interface PanSpan {
  start: number;
  end: number;
  positions: number[];
}

/** How widely a search looks (masking: as widely as it can; refusing: only at what is written as a card number). */
export interface PanSearch {
  /** Look inside runs of 20 or more digits (default true). */
  windows?: boolean;
  /**
   * Only what is written out as a card number (default false): digits not glued to letters at either end (an
   * appid's `wx` + 16 digits, a migration's class name + timestamp), and groups joined only when each has at most
   * 6 digits (hex ids split into such groups by their letters and dashes otherwise spell one).
   */
  writtenOut?: boolean;
}

const LETTER = /[A-Za-z]/;

/** Every digit sequence in `text` that holds at least one PAN, left to right. */
export function findPanSpans(text: string, options: PanSearch = {}): PanSpan[] {
  const search = { windows: options.windows ?? true, writtenOut: options.writtenOut ?? false };
  const spans: PanSpan[] = [];
  DIGIT_SEQUENCE.lastIndex = 0;
  for (let m = DIGIT_SEQUENCE.exec(text); m !== null; m = DIGIT_SEQUENCE.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end - start < MIN_PAN_DIGITS) continue;
    const positions = maskedPositions(text, start, end, search);
    if (positions.length > 0) spans.push({ start, end, positions });
  }
  return spans;
}

/**
 * True when `text` holds a card number written as one: 13–19 digits passing Luhn, whole or in groups of at most 6
 * digits joined by single spaces, dashes or dots (not glued to letters). What the service edge refuses. Unlike masking it does not look
 * inside runs of 20 or more digits (the ids of WeChat Pay and UnionPay, nearly all of which hold some Luhn-valid
 * window), nor join longer groups (a UUID's 8-4-4-4-12 would otherwise spell one about once in 10,000). The price
 * of screening by Luhn: an id of 13–19 bare digits is refused one time in ten, so ids should carry a letter.
 */
export function containsPan(text: string): boolean {
  return mayContainPan(text) && findPanSpans(text, { windows: false, writtenOut: true }).length > 0;
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
