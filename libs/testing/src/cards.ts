import { randomBytes, randomInt } from 'crypto';
import { luhnCheckDigit } from '@wxpay/card';

/** The body with its Luhn check digit appended. */
export function withLuhnCheckDigit(body: string): string {
  return `${body}${luhnCheckDigit(body)}`;
}

/**
 * This process's part of every test card number: random rather than the pid or the clock, because simulators keep
 * their accounts between runs (a pid or a clock reading comes round again) and several test processes share them.
 */
const PROCESS_PART = String(randomInt(1_000_000)).padStart(6, '0');
let counter = 0;

/**
 * A Luhn-valid test card number built at run time (so no real-looking PAN is committed), new on every call: the
 * BIN, this process's random part, a counter, the check digit. 19 digits unless `length` says otherwise (13–19).
 */
export function uniqueTestPan(bin = '622202', length = 19): string {
  const counterDigits = length - 1 - bin.length - PROCESS_PART.length;
  if (length < 13 || length > 19 || counterDigits < 3)
    throw new Error(`no room for a unique ${length}-digit test card number after BIN ${bin}`);
  const n = ++counter % 10 ** counterDigits;
  return withLuhnCheckDigit(`${bin}${PROCESS_PART}${String(n).padStart(counterDigits, '0')}`);
}

/**
 * A random idempotency key or reference without digits: the vault and the services refuse a field that holds a
 * Luhn-valid run of digits (it could be a card number), and a random hex key now and then holds one.
 */
export function digitFreeKey(bytes = 12): string {
  return randomBytes(bytes)
    .toString('hex')
    .replace(/\d/g, (c) => 'ghijklmnop'[Number(c)]!);
}
