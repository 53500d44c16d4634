import { UnionPayRequestError } from '../errors/unionpay-errors';

/** F49 carries ISO 4217 numeric codes; callers use alphabetic ones. */
const NUMERIC: Record<string, string> = { CNY: '156', HKD: '344', USD: '840', EUR: '978', JPY: '392' };
const ALPHA = new Map(Object.entries(NUMERIC).map(([a, n]) => [n, a]));

export function currencyNumeric(alpha: string): string {
  const n = NUMERIC[alpha];
  if (!n) throw new UnionPayRequestError('currency', `unsupported currency code`);
  return n;
}

export function currencyAlpha(numeric: string): string | undefined {
  return ALPHA.get(numeric);
}

/** F4: minor units as 12 digits. */
export function amountField(minor: number): string {
  if (!Number.isSafeInteger(minor) || minor <= 0 || minor > 999_999_999_999) {
    throw new UnionPayRequestError('amount', 'must be a positive integer number of minor units below 10^12');
  }
  return String(minor).padStart(12, '0');
}
