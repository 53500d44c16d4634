import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireLength } from '../internal/bytes';
import { Sm4BlockCipher } from '../sm4/sm4-block-cipher';
import { SM4_KEY_LENGTH } from '../sm4/sm4-params';
import { cbcMac, keyCheckValue, retailMac, type MacPadding } from './block-mac';

export interface Sm4MacOptions {
  padding: MacPadding;
}

/**
 * SM4 CBC-MAC: ISO/IEC 9797-1 MAC algorithm 1 (= GB/T 15852.1 algorithm 1) with SM4, zero IV. Returns the full
 * 16-byte block; truncation (commonly to 8 or 4 bytes) is the caller's protocol decision, because the CUPS SM4
 * MAC profile is not public.
 */
export function sm4CbcMac(key: Uint8Array, data: Uint8Array, options: Sm4MacOptions): Buffer {
  return cbcMac(new Sm4BlockCipher(key), data, options?.padding);
}

export const SM4_RETAIL_MAC_KEY_LENGTH = 2 * SM4_KEY_LENGTH;

/**
 * "Retail MAC" with SM4: ISO/IEC 9797-1 MAC algorithm 3 instantiated with SM4, key = K_L ‖ K_R (16 + 16 bytes).
 * NOT settled by any standard: ANSI X9.19 defines this only for DES with a double-length key; the SM4 key split,
 * the full 16-byte output and the padding choice are this library's convention. Use only where both ends agree.
 */
export function sm4RetailMac(key: Uint8Array, data: Uint8Array, options: Sm4MacOptions): Buffer {
  const k = requireLength(key, SM4_RETAIL_MAC_KEY_LENGTH, 'BAD_KEY_LENGTH', 'SM4 retail-MAC key (K_L ‖ K_R)');
  const left = new Sm4BlockCipher(k.subarray(0, SM4_KEY_LENGTH));
  const right = new Sm4BlockCipher(k.subarray(SM4_KEY_LENGTH));
  return retailMac(left, right, data, options?.padding);
}

export interface Sm4KeyCheckValueOptions {
  /** Bytes kept from E_K(0^128): 4 is the POS / CUPS sign-on convention, 3 the common "6 hex digit" variant. */
  length: 3 | 4;
}

export function sm4KeyCheckValue(key: Uint8Array, options: Sm4KeyCheckValueOptions): Buffer {
  const length = options?.length;
  if (length !== 3 && length !== 4) {
    throw new GmCryptoError('BAD_OPTION', 'check value length must be 3 or 4');
  }
  return keyCheckValue(new Sm4BlockCipher(key), length);
}
