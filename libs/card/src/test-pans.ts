import { randomInt } from 'node:crypto';
import { luhnCheckDigit } from './luhn';

/**
 * Test-only (not exported by index.ts): a Luhn-valid card number of `length` digits built at run time from a BIN
 * and random digits, so no real-looking PAN is committed. libs/testing's uniqueTestPan cannot be used here:
 * libs/testing depends on this lib.
 */
export function runtimePan(bin = '622202', length = 19): string {
  let body = bin;
  while (body.length < length - 1) body += String(randomInt(10));
  return `${body}${luhnCheckDigit(body)}`;
}
