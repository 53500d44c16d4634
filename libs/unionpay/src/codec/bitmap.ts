import { UnionPayCodecError } from '../errors/unionpay-errors';

const PRIMARY_BYTES = 8;

/**
 * Binary bitmap: bit n (1-based, most significant bit of the first byte is bit 1) marks field n. Bit 1 marks
 * the secondary bitmap, which is present exactly when a field above 64 is.
 */
export function encodeBitmap(fields: readonly number[]): Buffer {
  const secondary = fields.some((f) => f > 64);
  const map = Buffer.alloc(secondary ? 2 * PRIMARY_BYTES : PRIMARY_BYTES);
  if (secondary) map[0] |= 0x80;
  for (const f of fields) {
    if (f < 2 || f > 128) throw new UnionPayCodecError('UNKNOWN_FIELD', 'cannot appear in a bitmap', f);
    map[(f - 1) >> 3] |= 0x80 >> ((f - 1) & 7);
  }
  return map;
}

/** Returns the field numbers (ascending, field 1 excluded) and the number of bitmap bytes consumed. */
export function decodeBitmap(buf: Buffer, offset: number): { fields: number[]; length: number } {
  if (buf.length - offset < PRIMARY_BYTES) {
    throw new UnionPayCodecError('TRUNCATED_BITMAP', 'the primary bitmap needs 8 bytes');
  }
  const secondary = (buf[offset] & 0x80) !== 0;
  const length = secondary ? 2 * PRIMARY_BYTES : PRIMARY_BYTES;
  if (buf.length - offset < length) {
    throw new UnionPayCodecError('TRUNCATED_BITMAP', 'bit 1 announces a secondary bitmap that is missing');
  }
  const fields: number[] = [];
  for (let f = 2; f <= length * 8; f++) {
    if (buf[offset + ((f - 1) >> 3)] & (0x80 >> ((f - 1) & 7))) fields.push(f);
  }
  return { fields, length };
}
