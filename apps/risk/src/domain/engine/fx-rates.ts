import { CURRENCY_EXPONENTS, isCurrencyCode } from '@wxpay/persistence';

/**
 * Indicative CNY rates used only to put amounts of different currencies into one unit for limits and velocity
 * sums (risk needs "about how much", not settlement precision). Configurable with RISK_FX_RATES.
 */
export type FxRates = Readonly<Record<string, number>>;

export const DEFAULT_FX_RATES: FxRates = { CNY: 1, HKD: 0.92, USD: 7.2, EUR: 7.8, JPY: 0.048 };

export class FxRateError extends Error {
  override readonly name = 'FxRateError';
}

/** Parses `USD=7.2,EUR=7.8` over the defaults; every currency must be one the gateway settles. */
export function parseFxRates(text: string | undefined): FxRates {
  const rates: Record<string, number> = { ...DEFAULT_FX_RATES };
  for (const pair of (text ?? '').split(',').map((s) => s.trim())) {
    if (!pair) continue;
    const [code, value] = pair.split('=');
    const rate = Number(value);
    if (!code || !isCurrencyCode(code) || !Number.isFinite(rate) || rate <= 0) {
      throw new FxRateError(
        `RISK_FX_RATES: '${pair}' is not CODE=rate with a settled currency and a rate > 0`,
      );
    }
    rates[code] = rate;
  }
  return rates;
}

/** Minor units of `currency` → CNY fen, rounded to a whole fen; undefined for a currency without a rate. */
export function toCnyFen(amountMinor: number, currency: string, rates: FxRates): number | undefined {
  if (!isCurrencyCode(currency)) return undefined;
  const rate = rates[currency];
  if (rate === undefined) return undefined;
  const major = amountMinor / 10 ** CURRENCY_EXPONENTS[currency];
  return Math.round(major * rate * 100);
}
