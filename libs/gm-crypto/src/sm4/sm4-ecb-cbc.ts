import { createCipheriv, createDecipheriv } from 'node:crypto';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireBytes } from '../internal/bytes';
import { jsDecrypt, jsEncrypt, JS_PATH_MAX_BYTES } from './sm4-js-modes';
import { requirePadding, requireSm4Iv, requireSm4Key, SM4_BLOCK_LENGTH, type Sm4Padding } from './sm4-params';

export interface Sm4EcbOptions {
  /** 'pkcs7' adds/removes PKCS#7 padding; 'none' requires a whole number of 16-byte blocks. */
  padding: Sm4Padding;
}

export interface Sm4CbcOptions extends Sm4EcbOptions {
  /** 16-byte IV; must be unpredictable (random) for each encryption under one key. */
  iv: Uint8Array;
}

type Sm4NativeMode = 'sm4-ecb' | 'sm4-cbc';

function encrypt(
  mode: Sm4NativeMode,
  key: Uint8Array,
  iv: Buffer | null,
  data: Uint8Array,
  padding: Sm4Padding,
) {
  const k = requireSm4Key(key);
  const input = requireBytes(data, 'plaintext');
  if (padding === 'none' && input.length % SM4_BLOCK_LENGTH !== 0) {
    throw new GmCryptoError(
      'BAD_INPUT_LENGTH',
      'without padding the plaintext must be a multiple of 16 bytes',
    );
  }
  if (input.length <= JS_PATH_MAX_BYTES) return jsEncrypt(k, iv, input, padding);
  const cipher = createCipheriv(mode, k, iv).setAutoPadding(padding === 'pkcs7');
  const head = cipher.update(input);
  const tail = cipher.final();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

function decrypt(
  mode: Sm4NativeMode,
  key: Uint8Array,
  iv: Buffer | null,
  data: Uint8Array,
  padding: Sm4Padding,
) {
  const k = requireSm4Key(key);
  const input = requireBytes(data, 'ciphertext');
  if (input.length % SM4_BLOCK_LENGTH !== 0 || (padding === 'pkcs7' && input.length === 0)) {
    throw new GmCryptoError('BAD_INPUT_LENGTH', 'ciphertext must be a non-empty multiple of 16 bytes');
  }
  if (input.length <= JS_PATH_MAX_BYTES) return jsDecrypt(k, iv, input, padding);
  const decipher = createDecipheriv(mode, k, iv).setAutoPadding(padding === 'pkcs7');
  const head = decipher.update(input);
  let tail: Buffer;
  try {
    tail = decipher.final();
  } catch {
    // Unauthenticated CBC/ECB: a distinguishable padding error is an oracle. Callers that decrypt attacker-supplied
    // data must authenticate first (HMAC-SM3 encrypt-then-MAC, or SM4-GCM).
    throw new GmCryptoError('BAD_PADDING', 'invalid PKCS#7 padding');
  }
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}

export function sm4EncryptEcb(key: Uint8Array, plaintext: Uint8Array, options: Sm4EcbOptions): Buffer {
  return encrypt('sm4-ecb', key, null, plaintext, requirePadding(options?.padding));
}

export function sm4DecryptEcb(key: Uint8Array, ciphertext: Uint8Array, options: Sm4EcbOptions): Buffer {
  return decrypt('sm4-ecb', key, null, ciphertext, requirePadding(options?.padding));
}

export function sm4EncryptCbc(key: Uint8Array, plaintext: Uint8Array, options: Sm4CbcOptions): Buffer {
  const padding = requirePadding(options?.padding);
  return encrypt('sm4-cbc', key, requireSm4Iv(options.iv), plaintext, padding);
}

export function sm4DecryptCbc(key: Uint8Array, ciphertext: Uint8Array, options: Sm4CbcOptions): Buffer {
  const padding = requirePadding(options?.padding);
  return decrypt('sm4-cbc', key, requireSm4Iv(options.iv), ciphertext, padding);
}
