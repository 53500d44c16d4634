import { randomBytes } from 'crypto';
import {
  GmCryptoError,
  SM4_GCM_IV_LENGTH,
  SM4_GCM_TAG_LENGTH,
  SM4_KEY_LENGTH,
  hmacSm3,
  sm3,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
  sm4KeyCheckValue,
} from '@wxpay/gm-crypto';

/**
 * The vault's only door to cryptography: SM4-GCM sealing, HMAC-SM3, SM3 and key check values, all from
 * @wxpay/gm-crypto. Everything else in the service goes through these few functions, so a change of library
 * (or an HSM) is one edit here.
 */
export const KEY_LENGTH = SM4_KEY_LENGTH;

/** A sealed value: IV (12) ‖ ciphertext ‖ tag (16). */
const OVERHEAD = SM4_GCM_IV_LENGTH + SM4_GCM_TAG_LENGTH;

/** Sealed data that fails its integrity check: the key, the associated data or the bytes are not the originals. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
}

export function randomKey(): Buffer {
  return randomBytes(KEY_LENGTH);
}

/**
 * SM4-GCM with a fresh random 96-bit IV. Data keys seal one value each, so their IVs never repeat; a KEK seals
 * one data key per record, and random IVs stay far below the 2^32-seals-per-key bound at any realistic volume.
 */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(SM4_GCM_IV_LENGTH);
  const { ciphertext, tag } = sm4GcmEncrypt(key, plaintext, { iv, aad });
  return Buffer.concat([iv, ciphertext, tag]);
}

export function open(key: Buffer, sealed: Buffer, aad: Buffer): Buffer {
  if (sealed.length < OVERHEAD) throw new IntegrityError('sealed value is truncated');
  const iv = sealed.subarray(0, SM4_GCM_IV_LENGTH);
  const tag = sealed.subarray(sealed.length - SM4_GCM_TAG_LENGTH);
  const ciphertext = sealed.subarray(SM4_GCM_IV_LENGTH, sealed.length - SM4_GCM_TAG_LENGTH);
  try {
    return sm4GcmDecrypt(key, ciphertext, { iv, aad, tag });
  } catch (e) {
    if (e instanceof GmCryptoError) throw new IntegrityError('sealed value failed its integrity check');
    throw e;
  }
}

export function hmac(key: Buffer, data: Buffer): Buffer {
  return hmacSm3(key, data);
}

export function digest(data: Buffer): Buffer {
  return sm3(data);
}

/** The usual key check value: the first 3 bytes of SM4_K(0^128), as 6 hex digits. Reveals nothing usable. */
export function keyCheckValue(key: Buffer): string {
  return sm4KeyCheckValue(key, { length: 3 }).toString('hex').toUpperCase();
}
