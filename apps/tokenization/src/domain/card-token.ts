import { randomBytes } from 'crypto';

/**
 * Tokens are 128 random bits, unrelated to the PAN (never derived from it: a token reveals nothing and cannot be
 * reversed without the vault), written as `tok_` + 26 lower-case base32 characters. The prefix and letters mean
 * a token can never be mistaken for, or pass as, a card number: it is never a 13-19 digit string, so it can
 * never be Luhn-valid, and PAN masking in logs leaves it alone.
 */
export const TOKEN_PREFIX = 'tok_';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const TOKEN_PATTERN = /^tok_[a-z2-7]{26}$/;

export function newToken(): string {
  const bytes = randomBytes(16);
  let out = TOKEN_PREFIX;
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

export function isToken(value: string): boolean {
  return TOKEN_PATTERN.test(value);
}
