/** Test-only helpers: card numbers built at run time from a prefix, so no real-looking PAN is committed. */
import { luhnCheckDigit, maskPan } from '@wxpay/card';

/** A Luhn-valid number of `length` digits starting with `prefix`, filled with a repeatable digit pattern. */
export function luhnValid(prefix: string, length: number): string {
  let body = prefix;
  for (let i = 0; body.length < length - 1; i++) body += String((i * 7 + 3) % 10);
  return body + String(luhnCheckDigit(body));
}

/** The same number with its check digit changed, so it fails Luhn. */
export function luhnInvalid(prefix: string, length: number): string {
  const valid = luhnValid(prefix, length);
  const last = (Number(valid[valid.length - 1]) + 1) % 10;
  return valid.slice(0, -1) + String(last);
}

/** The expected masked form: first 6, `*` for the middle, last 4. */
export const masked = maskPan;
