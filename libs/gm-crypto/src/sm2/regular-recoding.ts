import { N } from './curve';

/**
 * Signed odd-digit recoding (Joye–Tunstall style): k ≡ Σ dᵢ·2^(w·i) (mod n) with every digit odd,
 * |dᵢ| < 2^w. Because no digit is zero, a scalar multiplication built on it performs the same sequence of
 * point operations for every scalar: no skipped additions that would reveal the scalar's bit pattern.
 *
 * Even scalars are replaced by k + n (odd, same point since nG = O), selected arithmetically, not by a branch.
 */
export function digitCount(w: number): number {
  // Scalars are < 2n < 2^257; after i steps the remainder is below 2^(257 − w·i) + 1, and the last digit
  // must fit in w bits.
  return Math.ceil((258 - w) / w) + 1;
}

/** Digits least significant first. Requires 0 < k < n. */
export function recodeRegular(k: bigint, w: number): Int32Array {
  const count = digitCount(w);
  const digits = new Int32Array(count);
  const bigW = BigInt(w);
  const mask = (1n << BigInt(w + 1)) - 1n;
  const half = 1 << w;
  let rest = k + N * (1n - (k & 1n));
  for (let i = 0; i < count - 1; i++) {
    const d = Number(rest & mask) - half;
    digits[i] = d;
    rest = (rest - BigInt(d)) >> bigW;
  }
  const last = Number(rest);
  if (!(last > 0 && last < half)) throw new Error('scalar out of range for regular recoding');
  digits[count - 1] = last;
  return digits;
}
