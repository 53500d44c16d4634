import { createHash, timingSafeEqual } from 'node:crypto';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { bigintFromBytes, bigintToBytes, requireBytes } from '../internal/bytes';
import { sm3Kdf } from '../sm3/sm3-kdf';
import { FIELD_BYTES, P } from './curve';
import { curveRhs, isOnCurve, sqrtModP } from './field';
import { toAffine } from './jacobian';
import { nativeEcdh, requirePublicKey, type Sm2PrivateKey, type Sm2PublicKey } from './keys';
import { multiplyGenerator, multiplyPublicKey } from './multiply';
import { randomScalar } from './nonce';

/**
 * Ciphertext layout. 'C1C3C2' is the order of the current standard (GB/T 32918.4-2016) and of UnionPay's GM
 * SDK; 'C1C2C3' is the older order (2010 draft; BouncyCastle SM2Engine default). C1 is always the 65-byte
 * uncompressed point including its 04 prefix (sm-crypto omits the 04 — add/strip it at that boundary).
 */
export type Sm2CipherMode = 'C1C3C2' | 'C1C2C3';

export interface Sm2EncryptOptions {
  /** Defaults to 'C1C3C2', the standard's order. */
  mode?: Sm2CipherMode;
}

const C1_BYTES = 1 + 2 * FIELD_BYTES;
const C3_BYTES = 32;

function requireMode(mode: unknown): Sm2CipherMode {
  if (mode === undefined) return 'C1C3C2';
  if (mode !== 'C1C3C2' && mode !== 'C1C2C3') {
    throw new GmCryptoError('BAD_OPTION', "mode must be 'C1C3C2' or 'C1C2C3'");
  }
  return mode;
}

function isAllZero(buf: Buffer): boolean {
  let acc = 0;
  for (let i = 0; i < buf.length; i++) acc |= buf[i];
  return acc === 0;
}

function c3Of(x2: Buffer, message: Buffer, y2: Buffer): Buffer {
  return createHash('sm3').update(x2).update(message).update(y2).digest();
}

export function sm2Encrypt(
  publicKey: Sm2PublicKey,
  plaintext: Uint8Array,
  options?: Sm2EncryptOptions,
): Buffer {
  return encryptWithNonceSource(publicKey, plaintext, options, randomScalar);
}

/** @internal Not exported from the package: lets tests replay the standard's fixed k. */
export function encryptWithNonceSource(
  publicKey: Sm2PublicKey,
  plaintext: Uint8Array,
  options: Sm2EncryptOptions | undefined,
  nextNonce: () => bigint,
): Buffer {
  const mode = requireMode(options?.mode);
  requirePublicKey(publicKey);
  const message = requireBytes(plaintext, 'plaintext');
  if (message.length === 0) {
    throw new GmCryptoError('BAD_INPUT_LENGTH', 'SM2 cannot encrypt an empty message');
  }
  for (;;) {
    const k = nextNonce();
    const c1 = multiplyGenerator(k);
    // h = 1 for sm2p256v1, and a validated public key is never the point at infinity (step B3).
    const shared = toAffine(multiplyPublicKey(k, publicKey), true);
    if (shared === undefined) continue;
    const x2 = bigintToBytes(shared.x, FIELD_BYTES);
    const y2 = bigintToBytes(shared.y, FIELD_BYTES);
    const t = sm3Kdf(Buffer.concat([x2, y2]), message.length);
    if (isAllZero(t)) continue; // step B5: pick another k
    const c2 = Buffer.allocUnsafe(message.length);
    for (let i = 0; i < message.length; i++) c2[i] = message[i] ^ t[i];
    const c1Bytes = Buffer.concat([
      Buffer.from([0x04]),
      bigintToBytes(c1.x, FIELD_BYTES),
      bigintToBytes(c1.y, FIELD_BYTES),
    ]);
    const c3 = c3Of(x2, message, y2);
    return Buffer.concat(mode === 'C1C3C2' ? [c1Bytes, c3, c2] : [c1Bytes, c2, c3]);
  }
}

function decryptFailed(): never {
  // One code and one message for every failure, so the error does not act as an oracle.
  throw new GmCryptoError('DECRYPT_FAILED', 'SM2 decryption failed');
}

/**
 * d·C1 is computed by OpenSSL (ECDH on the SM2 curve, constant-time ladder), which returns only x2. Both
 * square roots y2 and p − y2 are tried with the same amount of work; exactly one must reproduce C3, otherwise
 * the ciphertext is rejected. A wrong root matching C3 would be an SM3 collision.
 */
export function sm2Decrypt(
  privateKey: Sm2PrivateKey,
  ciphertext: Uint8Array,
  options?: Sm2EncryptOptions,
): Buffer {
  const mode = requireMode(options?.mode);
  const input = requireBytes(ciphertext, 'ciphertext');
  if (input.length < C1_BYTES + C3_BYTES + 1 || input[0] !== 0x04) decryptFailed();
  const c1 = input.subarray(0, C1_BYTES);
  if (!isOnCurve(bigintFromBytes(c1.subarray(1, 33)), bigintFromBytes(c1.subarray(33)))) decryptFailed();
  const c2Length = input.length - C1_BYTES - C3_BYTES;
  const c3 =
    mode === 'C1C3C2'
      ? input.subarray(C1_BYTES, C1_BYTES + C3_BYTES)
      : input.subarray(input.length - C3_BYTES);
  const c2 =
    mode === 'C1C3C2' ? input.subarray(C1_BYTES + C3_BYTES) : input.subarray(C1_BYTES, C1_BYTES + c2Length);

  let x2: Buffer;
  try {
    x2 = nativeEcdh(privateKey).computeSecret(c1);
  } catch {
    decryptFailed(); // OpenSSL re-validates C1; it never disagrees with the check above
  }
  const root = sqrtModP(curveRhs(bigintFromBytes(x2)));
  if (root === undefined) decryptFailed(); // cannot happen for a genuine curve point
  let result: Buffer | undefined;
  let matches = 0;
  for (const y of [root, P - root]) {
    const y2 = bigintToBytes(y, FIELD_BYTES);
    const t = sm3Kdf(Buffer.concat([x2, y2]), c2Length);
    const message = Buffer.allocUnsafe(c2Length);
    for (let i = 0; i < c2Length; i++) message[i] = c2[i] ^ t[i];
    const ok = !isAllZero(t) && timingSafeEqual(c3Of(x2, message, y2), c3);
    if (ok) {
      matches++;
      result = message;
    } else {
      message.fill(0);
    }
  }
  if (matches !== 1 || result === undefined) decryptFailed();
  return result;
}
