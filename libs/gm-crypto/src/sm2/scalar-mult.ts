import { P } from './curve';
import { addAffineInPlace, batchToAffine, doubleInPlace, JacobianPoint, toAffine } from './jacobian';
import { digitCount, recodeRegular } from './regular-recoding';

/**
 * Fixed-point comb: for window i the table holds (2j+1)·2^(w·i)·Q for j < 2^(w−1), in affine form.
 * k·Q is then one mixed addition per digit and no doublings at all.
 */
export interface CombTable {
  readonly w: number;
  readonly windows: number;
  readonly half: number;
  readonly xs: bigint[];
  readonly ys: bigint[];
}

export function buildCombTable(x: bigint, y: bigint, w: number): CombTable {
  const windows = digitCount(w);
  const half = 1 << (w - 1);
  const points: JacobianPoint[] = [];
  const base = JacobianPoint.fromAffine(x, y);
  for (let i = 0; i < windows; i++) {
    const twice = base.clone();
    doubleInPlace(twice);
    const step = toAffine(twice, false)!;
    const entry = base.clone();
    points.push(entry.clone());
    for (let j = 1; j < half; j++) {
      addAffineInPlace(entry, step.x, step.y);
      points.push(entry.clone());
    }
    for (let s = 0; s < w; s++) doubleInPlace(base);
  }
  const affine = batchToAffine(points);
  return { w, windows, half, xs: affine.map((p) => p.x), ys: affine.map((p) => p.y) };
}

/**
 * Selects ±(x, y) for a signed odd digit and adds it. The sign is applied arithmetically (y or p − y) rather
 * than by branching; the table index still depends on the digit (cache-timing exposure, see multiply.ts).
 */
function addDigit(acc: JacobianPoint, xs: bigint[], ys: bigint[], offset: number, digit: number): void {
  const negative = digit >>> 31;
  const magnitude = (digit ^ -negative) + negative;
  const idx = offset + ((magnitude - 1) >> 1);
  const y = ys[idx];
  addAffineInPlace(acc, xs[idx], y + BigInt(negative) * (P - 2n * y));
}

/** acc += k·Q using Q's comb table; 0 < k < n. */
export function combMultiplyAdd(acc: JacobianPoint, k: bigint, table: CombTable): void {
  const digits = recodeRegular(k, table.w);
  for (let i = 0; i < table.windows; i++) addDigit(acc, table.xs, table.ys, i * table.half, digits[i]);
}

export const VARIABLE_BASE_WINDOW = 5;

/**
 * k·Q for a point without a comb table: fixed signed window, same operation sequence for every scalar
 * (w doublings + one addition per digit). 0 < k < n.
 */
export function windowMultiply(k: bigint, x: bigint, y: bigint): JacobianPoint {
  const w = VARIABLE_BASE_WINDOW;
  const half = 1 << (w - 1);
  const twice = JacobianPoint.fromAffine(x, y);
  doubleInPlace(twice);
  const step = toAffine(twice, false)!;
  const multiples: JacobianPoint[] = [JacobianPoint.fromAffine(x, y)];
  const running = JacobianPoint.fromAffine(x, y);
  for (let j = 1; j < half; j++) {
    addAffineInPlace(running, step.x, step.y);
    multiples.push(running.clone());
  }
  const odd = batchToAffine(multiples);
  const xs = odd.map((p) => p.x);
  const ys = odd.map((p) => p.y);
  const digits = recodeRegular(k, w);
  const acc = JacobianPoint.infinity();
  addDigit(acc, xs, ys, 0, digits[digits.length - 1]);
  for (let i = digits.length - 2; i >= 0; i--) {
    for (let s = 0; s < w; s++) doubleInPlace(acc);
    addDigit(acc, xs, ys, 0, digits[i]);
  }
  return acc;
}
