import { type ValueTransformer } from 'typeorm';

/**
 * Money is an integer count of minor units (fen for CNY) with its ISO 4217 currency; never a float.
 * Amounts are JS numbers restricted to safe integers: WeChat Pay's JSON carries amounts as integer numbers, and
 * 2^53 fen is ~90 trillion yuan, far beyond any card limit, so bigint would buy nothing but conversions.
 */
export interface Money {
  readonly minor: number;
  readonly currency: CurrencyCode;
}

/** Currencies the gateway settles, with their minor-unit exponent (ISO 4217). */
export const CURRENCY_EXPONENTS = { CNY: 2, HKD: 2, USD: 2, EUR: 2, JPY: 0 } as const;
export type CurrencyCode = keyof typeof CURRENCY_EXPONENTS;

export class MoneyError extends Error {
  override readonly name = 'MoneyError';
}

export function isCurrencyCode(value: string): value is CurrencyCode {
  return Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENTS, value);
}

export function money(minor: number, currency: string): Money {
  if (!Number.isSafeInteger(minor))
    throw new MoneyError(`amount must be a whole number of minor units, got ${minor}`);
  if (!isCurrencyCode(currency)) throw new MoneyError(`unsupported currency '${currency}'`);
  return Object.freeze({ minor, currency });
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new MoneyError(`currency mismatch: ${a.currency} vs ${b.currency}`);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.minor + b.minor, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.minor - b.minor, a.currency);
}

/** For display only (logs, demo output): 12345 CNY → "123.45 CNY". Never parse this back. */
export function formatMoney(m: Money): string {
  const exp = CURRENCY_EXPONENTS[m.currency];
  const sign = m.minor < 0 ? '-' : '';
  const digits = String(Math.abs(m.minor)).padStart(exp + 1, '0');
  const major = exp ? `${digits.slice(0, -exp)}.${digits.slice(-exp)}` : digits;
  return `${sign}${major} ${m.currency}`;
}

/**
 * Maps a PostgreSQL bigint (which pg returns as a string, to avoid silent precision loss) to a safe integer,
 * refusing anything that would not survive the trip.
 */
export const minorUnitsTransformer: ValueTransformer = {
  to(value: number | null | undefined): string | null | undefined {
    if (value === null || value === undefined) return value;
    if (!Number.isSafeInteger(value)) throw new MoneyError(`refusing to store non-integer amount ${value}`);
    return String(value);
  },
  from(value: string | null): number | null {
    if (value === null) return null;
    const n = Number(value);
    if (!Number.isSafeInteger(n))
      throw new MoneyError(`stored amount ${value} exceeds the safe integer range`);
    return n;
  },
};
