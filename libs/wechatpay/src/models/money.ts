import { z } from 'zod';

/** WeChat Pay amounts are integer fen on the wire (JSON numbers); never floats, never yuan. */
export const fenSchema = z.number().int().nonnegative();

export const CURRENCY_CNY = 'CNY';

/** Guards outgoing amounts: a float or a negative amount is a programming error, caught before signing. */
export function assertFen(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be a non-negative integer number of fen, got ${value}`);
  }
}
