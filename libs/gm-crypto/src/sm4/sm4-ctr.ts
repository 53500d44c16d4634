import { createCipheriv } from 'node:crypto';
import { requireBytes } from '../internal/bytes';
import { requireSm4Iv, requireSm4Key } from './sm4-params';

export interface Sm4CtrOptions {
  /**
   * The 16-byte initial counter block. It is incremented as one 128-bit big-endian integer (OpenSSL semantics,
   * GB/T 17964 CTR). Never reuse a counter range under the same key.
   */
  iv: Uint8Array;
}

/** CTR is its own inverse: the same call encrypts and decrypts. */
export function sm4Ctr(key: Uint8Array, data: Uint8Array, options: Sm4CtrOptions): Buffer {
  const cipher = createCipheriv('sm4-ctr', requireSm4Key(key), requireSm4Iv(options?.iv));
  const head = cipher.update(requireBytes(data, 'data'));
  const tail = cipher.final();
  return tail.length === 0 ? head : Buffer.concat([head, tail]);
}
