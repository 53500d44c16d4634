/** Test-only helpers: card numbers built at run time from a prefix, so no real-looking PAN is committed. */

function luhnCheckDigit(body: string): number {
  let sum = 0;
  // Walking right to left, the digit next to the (future) check digit is doubled first.
  for (let i = body.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = body.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

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
export function masked(pan: string): string {
  return pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4);
}
