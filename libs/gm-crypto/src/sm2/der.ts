import { GmCryptoError, type GmCryptoErrorCode } from '../errors/gm-crypto-error';

/** Just enough strict DER (X.690) for SM2 keys and signatures: definite, minimal lengths; no trailing bytes. */
export interface Tlv {
  tag: number;
  /** Content bytes. */
  value: Buffer;
  /** Offset just past this element in the input. */
  end: number;
}

export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
  CONTEXT_0: 0xa0,
  CONTEXT_1: 0xa1,
} as const;

export function readTlv(buf: Buffer, offset: number, code: GmCryptoErrorCode): Tlv {
  const fail = (why: string): never => {
    throw new GmCryptoError(code, `malformed DER: ${why}`);
  };
  if (offset + 2 > buf.length) fail('truncated header');
  const tag = buf[offset];
  let len = buf[offset + 1];
  let pos = offset + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 3) fail('unsupported length form');
    if (pos + count > buf.length) fail('truncated length');
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + buf[pos + i];
    if (buf[pos] === 0 || len < 0x80) fail('non-minimal length');
    pos += count;
  }
  if (pos + len > buf.length) fail('truncated content');
  return { tag, value: buf.subarray(pos, pos + len), end: pos + len };
}

export function expectTlv(
  buf: Buffer,
  offset: number,
  tag: number,
  code: GmCryptoErrorCode,
  what: string,
): Tlv {
  const tlv = readTlv(buf, offset, code);
  if (tlv.tag !== tag) throw new GmCryptoError(code, `malformed DER: expected ${what}`);
  return tlv;
}

/** Reads the whole buffer as exactly one element. */
export function readSingle(buf: Buffer, tag: number, code: GmCryptoErrorCode, what: string): Tlv {
  const tlv = expectTlv(buf, 0, tag, code, what);
  if (tlv.end !== buf.length) throw new GmCryptoError(code, `malformed DER: trailing bytes after ${what}`);
  return tlv;
}

/** Positive INTEGER content in minimal two's-complement form. */
export function parseUnsignedInteger(value: Buffer, code: GmCryptoErrorCode): bigint {
  if (value.length === 0) throw new GmCryptoError(code, 'malformed DER: empty INTEGER');
  if (value[0] & 0x80) throw new GmCryptoError(code, 'malformed DER: negative INTEGER');
  if (value.length > 1 && value[0] === 0 && !(value[1] & 0x80)) {
    throw new GmCryptoError(code, 'malformed DER: non-minimal INTEGER');
  }
  return BigInt('0x' + value.toString('hex'));
}

export function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let v = len; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function encodeTlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

export function encodeUnsignedInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  let bytes = Buffer.from(hex, 'hex');
  if (bytes[0] & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return encodeTlv(TAG.INTEGER, bytes);
}
