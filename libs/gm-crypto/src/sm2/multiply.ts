/**
 * Where SM2's scalar multiplications happen, and what protects the secret scalars.
 *
 * - Signing (k·G) and encryption (k·G, k·P_B) run in JS BigInt: a regular comb / fixed window over signed odd
 *   digits, so the sequence of point operations is the same for every scalar (no skipped zero digits, no
 *   double-and-add pattern); the sign of a digit is applied arithmetically; the final inversion is blinded.
 *   Residual exposure: table indices depend on secret digits (cache timing) and V8's BigInt arithmetic is not
 *   constant-time. OpenSSL's constant-time ladder was measured as the alternative (Node's ECDH on the SM2 curve):
 *   ~470 µs per k·G here, i.e. it alone would cap signing near 2 k/s, under the 30× sm-crypto target.
 * - Decryption (d·C1, the long-term key) goes to OpenSSL (ECDH computeSecret, constant-time ladder); see encrypt.ts.
 * - Verification and public-key tables use only public scalars and points.
 */
import { JacobianPoint, toAffine, type AffinePoint } from './jacobian';
import type { Sm2PublicKey } from './keys';
import { generatorComb, keyEntry } from './public-key-cache';
import { combMultiplyAdd, windowMultiply } from './scalar-mult';

/** k·G in affine form for a secret k (regular comb, blinded inversion). */
export function multiplyGenerator(k: bigint): AffinePoint {
  const acc = JacobianPoint.infinity();
  combMultiplyAdd(acc, k, generatorComb());
  return toAffine(acc, true)!;
}

/** k·P as a Jacobian accumulator: the key's comb table once cached, otherwise a fixed-window multiplication. */
export function multiplyPublicKey(k: bigint, publicKey: Sm2PublicKey): JacobianPoint {
  const table = keyEntry(publicKey).tableForUse();
  if (table === undefined) return windowMultiply(k, publicKey.x, publicKey.y);
  const acc = JacobianPoint.infinity();
  combMultiplyAdd(acc, k, table);
  return acc;
}
