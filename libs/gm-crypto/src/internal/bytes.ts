import { GmCryptoError, type GmCryptoErrorCode } from '../errors/gm-crypto-error';

/** Accepts any Uint8Array (Buffer included) without copying. */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export function requireLength(
  data: Uint8Array,
  expected: number,
  code: GmCryptoErrorCode,
  what: string,
): Buffer {
  if (!(data instanceof Uint8Array)) throw new GmCryptoError(code, `${what} must be a Buffer or Uint8Array`);
  if (data.length !== expected) {
    throw new GmCryptoError(code, `${what} must be ${expected} bytes, got ${data.length}`);
  }
  return asBuffer(data);
}

export function requireBytes(data: Uint8Array, what: string): Buffer {
  if (!(data instanceof Uint8Array)) {
    throw new GmCryptoError('BAD_INPUT_LENGTH', `${what} must be a Buffer or Uint8Array`);
  }
  return asBuffer(data);
}

export function xorInto(target: Buffer, source: Uint8Array, count: number): void {
  for (let i = 0; i < count; i++) target[i] ^= source[i];
}

export function bigintFromBytes(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt('0x' + asBuffer(bytes).toString('hex'));
}

/** Fixed-width big-endian encoding; the caller guarantees 0 <= value < 2^(8*width). */
export function bigintToBytes(value: bigint, width: number): Buffer {
  return Buffer.from(value.toString(16).padStart(width * 2, '0'), 'hex');
}
