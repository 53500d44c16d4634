import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { GmCryptoError } from '../errors/gm-crypto-error';
import { requireBytes } from '../internal/bytes';

/** SM3 (GB/T 32905-2016) digest length in bytes. */
export const SM3_DIGEST_LENGTH = 32;

/** Incremental SM3 or HMAC-SM3; `digest()` may be called once. */
export interface Sm3Stream {
  update(data: Uint8Array): Sm3Stream;
  digest(): Buffer;
}

class NativeStream implements Sm3Stream {
  private finished = false;

  constructor(private readonly inner: Hash | Hmac) {}

  update(data: Uint8Array): Sm3Stream {
    if (this.finished) throw new GmCryptoError('BAD_OPTION', 'update() after digest()');
    this.inner.update(requireBytes(data, 'data'));
    return this;
  }

  digest(): Buffer {
    if (this.finished) throw new GmCryptoError('BAD_OPTION', 'digest() called twice');
    this.finished = true;
    return this.inner.digest();
  }
}

export function sm3(data: Uint8Array): Buffer {
  return createHash('sm3').update(requireBytes(data, 'data')).digest();
}

export function createSm3(): Sm3Stream {
  return new NativeStream(createHash('sm3'));
}

/** HMAC (RFC 2104) over SM3, 64-byte block; any key length is allowed as HMAC defines. */
export function hmacSm3(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sm3', requireBytes(key, 'key')).update(requireBytes(data, 'data')).digest();
}

export function createHmacSm3(key: Uint8Array): Sm3Stream {
  return new NativeStream(createHmac('sm3', requireBytes(key, 'key')));
}
