import { UnionPayCodecError } from '../errors/unionpay-errors';
import { fieldSpec, matchesCharset, type FieldSpec } from './field-specs';
import { type FieldValue } from './iso-message';

function specOf(field: number): FieldSpec {
  const s = fieldSpec(field);
  if (!s) throw new UnionPayCodecError('UNKNOWN_FIELD', 'is not defined in this profile', field);
  return s;
}

function prefixDigits(kind: FieldSpec['kind']): number {
  return kind === 'llvar' ? 2 : kind === 'lllvar' ? 3 : 0;
}

/** The field's bytes as they go on the wire: ASCII length prefix (variable fields) then the content. */
export function packField(field: number, value: FieldValue): Buffer {
  const s = specOf(field);
  let content: Buffer;
  if (s.charset === 'b') {
    if (!Buffer.isBuffer(value)) throw new UnionPayCodecError('BAD_FIELD_TYPE', 'expects bytes', field);
    content = value;
  } else {
    if (typeof value !== 'string') throw new UnionPayCodecError('BAD_FIELD_TYPE', 'expects text', field);
    if (!matchesCharset(s.charset, value)) {
      throw new UnionPayCodecError(
        'BAD_FIELD_CHARACTERS',
        `has characters outside charset ${s.charset}`,
        field,
      );
    }
    content = Buffer.from(value, 'latin1');
  }
  if (s.kind === 'fixed' && content.length !== s.length) {
    throw new UnionPayCodecError(
      'BAD_FIELD_LENGTH',
      `must be exactly ${s.length} long, got ${content.length}`,
      field,
    );
  }
  if (s.kind !== 'fixed' && content.length > s.length) {
    throw new UnionPayCodecError(
      'BAD_FIELD_LENGTH',
      `must be at most ${s.length} long, got ${content.length}`,
      field,
    );
  }
  const digits = prefixDigits(s.kind);
  if (digits === 0) return content;
  return Buffer.concat([Buffer.from(String(content.length).padStart(digits, '0'), 'latin1'), content]);
}

/** Reads one field at `offset`; returns its value and the offset after it. */
export function unpackField(buf: Buffer, offset: number, field: number): { value: FieldValue; next: number } {
  const s = specOf(field);
  const digits = prefixDigits(s.kind);
  let length = s.length;
  let at = offset;
  if (digits > 0) {
    if (buf.length - at < digits)
      throw new UnionPayCodecError('TRUNCATED_FIELD', 'length indicator cut short', field);
    const indicator = buf.toString('latin1', at, at + digits);
    if (!/^[0-9]+$/.test(indicator)) {
      throw new UnionPayCodecError('BAD_LENGTH_INDICATOR', 'length indicator is not decimal digits', field);
    }
    length = Number(indicator);
    if (length > s.length) {
      throw new UnionPayCodecError('BAD_FIELD_LENGTH', `announces ${length}, maximum is ${s.length}`, field);
    }
    at += digits;
  }
  if (buf.length - at < length) {
    throw new UnionPayCodecError('TRUNCATED_FIELD', `needs ${length} bytes, ${buf.length - at} left`, field);
  }
  const raw = buf.subarray(at, at + length);
  if (s.charset === 'b') return { value: Buffer.from(raw), next: at + length };
  const text = raw.toString('latin1');
  if (!matchesCharset(s.charset, text)) {
    throw new UnionPayCodecError(
      'BAD_FIELD_CHARACTERS',
      `has characters outside charset ${s.charset}`,
      field,
    );
  }
  return { value: text, next: at + length };
}
