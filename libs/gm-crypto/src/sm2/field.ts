import { randomBytes } from 'node:crypto';
import { bigintFromBytes } from '../internal/bytes';
import { A, B, P } from './curve';

export function modP(x: bigint): bigint {
  const r = x % P;
  return r < 0n ? r + P : r;
}

export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/** Extended Euclid; variable-time, so only for public values or blinded secrets. Requires gcd(a, m) = 1. */
export function invModPublic(a: bigint, m: bigint): bigint {
  let r0 = mod(a, m);
  let r1 = m;
  let s0 = 1n;
  let s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('value is not invertible');
  return s0 < 0n ? s0 + m : s0;
}

/**
 * Inverse of a secret-derived value: a⁻¹ = b · (a·b)⁻¹ for a fresh random b, so the running time of the
 * variable-time Euclid depends on a·b, which is independent of a.
 */
export function invModBlinded(a: bigint, m: bigint): bigint {
  const blind = (bigintFromBytes(randomBytes(32)) % (m - 1n)) + 1n;
  return mod(invModPublic(mod(a * blind, m), m) * blind, m);
}

/** Fixed 4-bit-window exponentiation: the sequence of operations depends only on the (public) exponent. */
export function powMod(base: bigint, exponent: bigint, m: bigint): bigint {
  const table: bigint[] = [1n, mod(base, m)];
  for (let i = 2; i < 16; i++) table.push((table[i - 1] * table[1]) % m);
  const hex = exponent.toString(16);
  let acc = 1n;
  for (const ch of hex) {
    for (let i = 0; i < 4; i++) acc = (acc * acc) % m;
    acc = (acc * table[parseInt(ch, 16)]) % m;
  }
  return acc;
}

const SQRT_EXPONENT = (P + 1n) / 4n; // p ≡ 3 (mod 4)

/** A square root of a mod p, or undefined when a is not a quadratic residue. */
export function sqrtModP(a: bigint): bigint | undefined {
  const root = powMod(a, SQRT_EXPONENT, P);
  return (root * root) % P === mod(a, P) ? root : undefined;
}

/** x³ + ax + b mod p. */
export function curveRhs(x: bigint): bigint {
  return modP(((x * x) % P) * x + A * x + B);
}

export function isOnCurve(x: bigint, y: bigint): boolean {
  return x >= 0n && x < P && y >= 0n && y < P && (y * y) % P === curveRhs(x);
}
