import { createHash } from 'node:crypto';
import { bigintFromBytes, requireBytes } from '../internal/bytes';
import { N, P } from './curve';
import { mod } from './field';
import { material, requirePublicKey, type Sm2PrivateKey, type Sm2PublicKey } from './keys';
import { multiplyGenerator, multiplyPublicKey } from './multiply';
import { randomScalar } from './nonce';
import { generatorComb, keyEntry } from './public-key-cache';
import { combMultiplyAdd } from './scalar-mult';
import {
  decodeSignature,
  encodeSignature,
  requireEncoding,
  type Sm2SignatureEncoding,
} from './signature-encoding';
import { userIdBytes } from './za';

export interface Sm2SignOptions {
  /** Signature wire format. Required: the two forms are both common and silently incompatible. */
  encoding: Sm2SignatureEncoding;
  /**
   * Distinguishing identifier hashed into Z_A (string = UTF-8). Defaults to the standard's "1234567812345678";
   * UnionPay's GM online API uses the certId string, RFC 8998 handshakes "TLSv1.3+GM+Cipher+Suite".
   */
  userId?: Uint8Array | string;
}

/** e = SM3(Z_A ‖ M) as an integer (GB/T 32918.2 §6.1 steps A1–A2). */
export function messageDigest(
  publicKey: Sm2PublicKey,
  message: Buffer,
  userId: Uint8Array | string | undefined,
): bigint {
  const za = keyEntry(publicKey).za(userIdBytes(userId));
  return bigintFromBytes(createHash('sm3').update(za).update(message).digest());
}

export function sm2Sign(privateKey: Sm2PrivateKey, message: Uint8Array, options: Sm2SignOptions): Buffer {
  return signWithNonceSource(privateKey, message, options, randomScalar);
}

/**
 * @internal Not exported from the package. Tests inject the standard's fixed k through this; production code
 * always goes through sm2Sign (fresh CSPRNG nonce per signature).
 */
export function signWithNonceSource(
  privateKey: Sm2PrivateKey,
  message: Uint8Array,
  options: Sm2SignOptions,
  nextNonce: () => bigint,
): Buffer {
  const encoding = requireEncoding(options?.encoding);
  const { d, dPlusOneInverse } = material(privateKey);
  const e = messageDigest(privateKey.publicKey, requireBytes(message, 'message'), options.userId);
  for (;;) {
    const k = nextNonce();
    const x1 = multiplyGenerator(k).x;
    const r = (e + x1) % N;
    if (r === 0n || r + k === N) continue;
    const s = mod(dPlusOneInverse * mod(k - r * d, N), N);
    if (s === 0n) continue;
    return encodeSignature({ r, s }, encoding);
  }
}

/**
 * Returns false for any signature that does not verify, including r or s out of [1, n − 1]; throws
 * BAD_SIGNATURE_ENCODING only when the bytes are not a signature in the requested encoding at all.
 */
export function sm2Verify(
  publicKey: Sm2PublicKey,
  message: Uint8Array,
  signature: Uint8Array,
  options: Sm2SignOptions,
): boolean {
  const encoding = requireEncoding(options?.encoding);
  requirePublicKey(publicKey);
  const { r, s } = decodeSignature(requireBytes(signature, 'signature'), encoding);
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const t = (r + s) % N;
  if (t === 0n) return false;
  const e = messageDigest(publicKey, requireBytes(message, 'message'), options.userId);
  const acc = multiplyPublicKey(t, publicKey);
  combMultiplyAdd(acc, s, generatorComb());
  if (acc.isInfinity()) return false;
  // Accept iff (e + x1') mod n = r, tested projectively: x1' ≡ r − e (mod n) and x1' < p, so
  // X = v·Z² for v = (r − e) mod n or v + n (when that is still below p). Spares the inversion.
  const v = mod(r - e, N);
  const zz = (acc.z * acc.z) % P;
  if ((v * zz) % P === acc.x) return true;
  return v + N < P && ((v + N) * zz) % P === acc.x;
}
