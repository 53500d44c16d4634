import { luhnValid } from '@wxpay/observability';
import { UnionPayRequestError } from '../errors/unionpay-errors';

/** Checks a PAN argument without ever echoing it. */
export function requirePan(pan: unknown, argument = 'pan'): string {
  if (typeof pan !== 'string' || !/^[0-9]{13,19}$/.test(pan)) {
    throw new UnionPayRequestError(argument, 'must be 13 to 19 digits');
  }
  if (!luhnValid(pan)) throw new UnionPayRequestError(argument, 'fails the Luhn check');
  return pan;
}

export function requireExpiry(expiry: unknown, argument = 'expiry'): string {
  if (typeof expiry !== 'string' || !/^[0-9]{2}(0[1-9]|1[0-2])$/.test(expiry)) {
    throw new UnionPayRequestError(argument, 'must be YYMM');
  }
  return expiry;
}

/** First 6 and last 4 digits kept (the masked form PCI DSS allows to display). */
export function maskPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(Math.max(0, pan.length - 10))}${pan.slice(-4)}`;
}
