import { createECDH, randomBytes } from 'node:crypto';
import { bigintFromBytes, bigintToBytes } from '../internal/bytes';
import { GX, GY, N, P } from './curve';
import { addAffineInPlace, JacobianPoint, toAffine } from './jacobian';
import { generatorComb } from './public-key-cache';
import { digitCount, recodeRegular } from './regular-recoding';
import { buildCombTable, combMultiplyAdd, windowMultiply } from './scalar-mult';

const randomScalar = () => (bigintFromBytes(randomBytes(32)) % (N - 1n)) + 1n;
const EDGE_SCALARS = [1n, 2n, 3n, N - 1n, N - 2n, N - 3n, 1n << 255n, (1n << 128n) + 1n, N >> 1n];

/** k·G from OpenSSL (04 ‖ x ‖ y hex), the independent reference for every multiplication below. */
function nativeMultiplyG(k: bigint): string {
  const ecdh = createECDH('SM2');
  ecdh.setPrivateKey(bigintToBytes(k, 32));
  return ecdh.getPublicKey('hex');
}

function hexOf(p: JacobianPoint): string {
  const a = toAffine(p, false)!;
  return '04' + bigintToBytes(a.x, 32).toString('hex') + bigintToBytes(a.y, 32).toString('hex');
}

describe('regular signed odd-digit recoding', () => {
  it.each([4, 5, 6, 8])('w = %i: every digit odd and in range, value preserved mod n', (w) => {
    for (const k of [...EDGE_SCALARS, ...Array.from({ length: 50 }, randomScalar)]) {
      const digits = recodeRegular(k, w);
      expect(digits).toHaveLength(digitCount(w));
      expect(Array.from(digits).every((d) => Math.abs(d) % 2 === 1 && Math.abs(d) < 1 << w)).toBe(true);
      const value = Array.from(digits).reduce((sum, d, i) => sum + (BigInt(d) << BigInt(w * i)), 0n);
      expect(((value % N) + N) % N).toBe(k);
    }
  });
});

describe('scalar multiplication agrees with OpenSSL', () => {
  it('generator comb (w = 8) and fixed window', () => {
    for (const k of [...EDGE_SCALARS, ...Array.from({ length: 10 }, randomScalar)]) {
      const comb = JacobianPoint.infinity();
      combMultiplyAdd(comb, k, generatorComb());
      expect(hexOf(comb)).toBe(nativeMultiplyG(k));
      expect(hexOf(windowMultiply(k, GX, GY))).toBe(nativeMultiplyG(k));
    }
  });

  it('comb on an arbitrary point (w = 6) and on the fixed window path', () => {
    const a = randomScalar();
    const pointHex = nativeMultiplyG(a);
    const x = BigInt('0x' + pointHex.slice(2, 66));
    const y = BigInt('0x' + pointHex.slice(66));
    const table = buildCombTable(x, y, 6);
    for (const k of [...EDGE_SCALARS, ...Array.from({ length: 10 }, randomScalar)]) {
      const expected = nativeMultiplyG((k * a) % N);
      const acc = JacobianPoint.infinity();
      combMultiplyAdd(acc, k, table);
      expect(hexOf(acc)).toBe(expected);
      expect(hexOf(windowMultiply(k, x, y))).toBe(expected);
    }
  });

  it('accumulates s·G + t·Q in one accumulator', () => {
    const s = randomScalar();
    const t = randomScalar();
    const acc = JacobianPoint.infinity();
    combMultiplyAdd(acc, s, generatorComb());
    combMultiplyAdd(acc, t, generatorComb());
    expect(hexOf(acc)).toBe(nativeMultiplyG((s + t) % N));
  });

  it('handles the exceptional additions exactly (P + P, P + (−P), O + P)', () => {
    const twoG = JacobianPoint.fromAffine(GX, GY);
    addAffineInPlace(twoG, GX, GY);
    expect(hexOf(twoG)).toBe(nativeMultiplyG(2n));
    const zero = JacobianPoint.fromAffine(GX, GY);
    addAffineInPlace(zero, GX, P - GY);
    expect(zero.isInfinity()).toBe(true);
    expect(toAffine(zero, false)).toBeUndefined();
    addAffineInPlace(zero, GX, GY);
    expect(hexOf(zero)).toBe(nativeMultiplyG(1n));
  });

  it('k and k + n land on the same point (the odd-scalar trick)', () => {
    const s = randomScalar();
    const acc = JacobianPoint.infinity();
    combMultiplyAdd(acc, N - s, generatorComb());
    combMultiplyAdd(acc, s, generatorComb());
    expect(acc.isInfinity()).toBe(true);
  });
});
