import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireLength } from '../internal/bytes';

export const SM4_KEY_LENGTH = 16;
export const SM4_BLOCK_LENGTH = 16;

export type Sm4Padding = 'pkcs7' | 'none';

export function requireSm4Key(key: Uint8Array): Buffer {
  return requireLength(key, SM4_KEY_LENGTH, 'BAD_KEY_LENGTH', 'SM4 key');
}

export function requireSm4Iv(iv: Uint8Array | undefined, what = 'SM4 IV'): Buffer {
  if (iv === undefined) throw new GmCryptoError('BAD_IV_LENGTH', `${what} is required`);
  return requireLength(iv, SM4_BLOCK_LENGTH, 'BAD_IV_LENGTH', what);
}

export function requirePadding(padding: unknown): Sm4Padding {
  if (padding !== 'pkcs7' && padding !== 'none') {
    throw new GmCryptoError('BAD_OPTION', "padding must be 'pkcs7' or 'none'");
  }
  return padding;
}
