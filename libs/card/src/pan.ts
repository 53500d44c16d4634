import { luhnValid } from './luhn';

/** ISO/IEC 7812 primary account numbers are 13 to 19 digits long (the range every scheme here uses). */
export const MIN_PAN_LENGTH = 13;
export const MAX_PAN_LENGTH = 19;
const KEEP_FIRST = 6;
const KEEP_LAST = 4;
const DIGITS = /^\d+$/;

/** Why a value is not a card number; phrased to follow a field name (`pan: fails the Luhn check`). */
export type PanProblem =
  | 'is required'
  | 'must contain digits only'
  | `must be ${typeof MIN_PAN_LENGTH}-${typeof MAX_PAN_LENGTH} digits`
  | 'fails the Luhn check';

/**
 * The first rule a would-be card number breaks (presence, digits only, 13-19 digits, Luhn), or undefined when it
 * is well formed. Scheme-specific lengths (a BIN's card lengths) are the caller's business.
 */
export function panProblem(pan: unknown): PanProblem | undefined {
  if (pan === undefined || pan === null || pan === '') return 'is required';
  if (typeof pan !== 'string' || !DIGITS.test(pan)) return 'must contain digits only';
  if (pan.length < MIN_PAN_LENGTH || pan.length > MAX_PAN_LENGTH) {
    return `must be ${MIN_PAN_LENGTH}-${MAX_PAN_LENGTH} digits`;
  }
  if (!luhnValid(pan)) return 'fails the Luhn check';
  return undefined;
}

/**
 * The displayable form from what a vault keeps in the clear: the BIN (first 6), the last 4 and the length, every
 * digit between as `*` (PCI DSS 3.4.1; the same form as the logs), e.g. `622202*********0128`.
 */
export function maskedPan(bin: string, last4: string, length: number): string {
  return `${bin}${'*'.repeat(Math.max(0, length - bin.length - last4.length))}${last4}`;
}

/**
 * The displayable form of a known card number: first 6 and last 4 kept, one `*` per digit between. Anything
 * that is not a 13-19 digit string is starred whole, so a malformed value cannot show more than it should.
 */
export function maskPan(pan: string): string {
  if (!DIGITS.test(pan) || pan.length < MIN_PAN_LENGTH || pan.length > MAX_PAN_LENGTH) {
    return '*'.repeat(pan.length);
  }
  return maskedPan(pan.slice(0, KEEP_FIRST), pan.slice(-KEEP_LAST), pan.length);
}
