import { randomInt } from 'crypto';
import { luhnCheckDigit } from '@wxpay/card';

/** A random, Luhn-valid card number under `prefix` (default a sample UnionPay credit BIN), `length` digits. */
export function randomPan(prefix = '622588', length = 16): string {
  let body = prefix;
  while (body.length < length - 1) body += String(randomInt(10));
  return `${body}${luhnCheckDigit(body)}`;
}

let sequence = 0;
export function idempotencyKey(prefix = 'k'): string {
  return `${prefix}-${Date.now().toString(36)}-${++sequence}`;
}

export function card(cardholder: string, pan = randomPan(), over: Record<string, string> = {}) {
  return {
    idempotency_key: idempotencyKey(),
    cardholder_ref: cardholder,
    pan,
    expiry_month: '12',
    expiry_year: '2030',
    ...over,
  };
}
