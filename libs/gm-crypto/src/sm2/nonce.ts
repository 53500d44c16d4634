import { randomBytes } from 'node:crypto';
import { bigintFromBytes } from '../internal/bytes';
import { N } from './curve';

/**
 * Per-signature / per-encryption secret k, uniform in [1, n − 1] by rejection sampling from the platform CSPRNG
 * (OpenSSL's DRBG via randomBytes), never from Math.random or a user-space stream cipher.
 */
export function randomScalar(): bigint {
  for (;;) {
    const k = bigintFromBytes(randomBytes(32));
    if (k >= 1n && k < N) return k;
  }
}
