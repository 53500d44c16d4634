import { GmCryptoError } from '../errors/gm-crypto-error';
import { bigintFromBytes, bigintToBytes } from '../internal/bytes';
import { FIELD_BYTES } from './curve';
import { encodeTlv, encodeUnsignedInteger, expectTlv, parseUnsignedInteger, readSingle, TAG } from './der';

/**
 * 'der': SEQUENCE { INTEGER r, INTEGER s } (GB/T 35276, OpenSSL, BouncyCastle).
 * 'raw': r ‖ s as two 32-byte big-endian integers (UnionPay GM SDK, sm-crypto's default hex form).
 */
export type Sm2SignatureEncoding = 'der' | 'raw';

export interface RawSignature {
  r: bigint;
  s: bigint;
}

const CODE = 'BAD_SIGNATURE_ENCODING';

export function requireEncoding(encoding: unknown): Sm2SignatureEncoding {
  if (encoding !== 'der' && encoding !== 'raw') {
    throw new GmCryptoError('BAD_OPTION', "encoding must be 'der' or 'raw'");
  }
  return encoding;
}

export function encodeSignature(sig: RawSignature, encoding: Sm2SignatureEncoding): Buffer {
  if (encoding === 'raw') {
    return Buffer.concat([bigintToBytes(sig.r, FIELD_BYTES), bigintToBytes(sig.s, FIELD_BYTES)]);
  }
  return encodeTlv(TAG.SEQUENCE, encodeUnsignedInteger(sig.r), encodeUnsignedInteger(sig.s));
}

/** Strict parsing: exact length for raw, canonical DER with nothing trailing. Range checks are the verifier's. */
export function decodeSignature(bytes: Buffer, encoding: Sm2SignatureEncoding): RawSignature {
  if (encoding === 'raw') {
    if (bytes.length !== 2 * FIELD_BYTES) {
      throw new GmCryptoError(
        CODE,
        `raw SM2 signature must be ${2 * FIELD_BYTES} bytes, got ${bytes.length}`,
      );
    }
    return {
      r: bigintFromBytes(bytes.subarray(0, FIELD_BYTES)),
      s: bigintFromBytes(bytes.subarray(FIELD_BYTES)),
    };
  }
  const seq = readSingle(bytes, TAG.SEQUENCE, CODE, 'signature SEQUENCE');
  const r = expectTlv(seq.value, 0, TAG.INTEGER, CODE, 'INTEGER r');
  const s = expectTlv(seq.value, r.end, TAG.INTEGER, CODE, 'INTEGER s');
  if (s.end !== seq.value.length) throw new GmCryptoError(CODE, 'malformed DER: trailing data in signature');
  if (r.value.length > FIELD_BYTES + 1 || s.value.length > FIELD_BYTES + 1) {
    throw new GmCryptoError(CODE, 'malformed DER: integer too long');
  }
  return { r: parseUnsignedInteger(r.value, CODE), s: parseUnsignedInteger(s.value, CODE) };
}
