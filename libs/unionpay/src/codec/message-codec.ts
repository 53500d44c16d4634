import { UnionPayCodecError } from '../errors/unionpay-errors';
import { decodeBitmap, encodeBitmap } from './bitmap';
import { CUPS_HEADER_LENGTH, decodeHeader, encodeHeader, type CupsHeader } from './cups-header';
import { packField, unpackField } from './field-codec';
import { IsoMessage } from './iso-message';
import { FRAME_PREFIX_LENGTH, MAX_MESSAGE_LENGTH } from './framing';

const MTI = /^0[1-9][0-9]{2}$/;

/** MTI (4 ASCII digits) + binary bitmap + fields in ascending order. */
export function encodeBody(message: IsoMessage): Buffer {
  if (!MTI.test(message.mti))
    throw new UnionPayCodecError('BAD_MTI', 'MTI must be 4 digits of ISO 8583:1987');
  const fields = message.fieldNumbers();
  const parts: Buffer[] = [Buffer.from(message.mti, 'latin1'), encodeBitmap(fields)];
  for (const f of fields) parts.push(packField(f, message.get(f)!));
  return Buffer.concat(parts);
}

export function decodeBody(body: Buffer): IsoMessage {
  if (body.length < 4) throw new UnionPayCodecError('BAD_MTI', 'message ends before its MTI');
  const mti = body.toString('latin1', 0, 4);
  if (!MTI.test(mti)) throw new UnionPayCodecError('BAD_MTI', 'MTI must be 4 digits of ISO 8583:1987');
  const { fields, length } = decodeBitmap(body, 4);
  const message = new IsoMessage(mti);
  let at = 4 + length;
  for (const f of fields) {
    const { value, next } = unpackField(body, at, f);
    message.set(f, value);
    at = next;
  }
  if (at !== body.length) {
    throw new UnionPayCodecError('TRAILING_BYTES', `${body.length - at} bytes follow the last field`);
  }
  return message;
}

/** A complete frame for the wire: 4-digit ASCII length, CUPS header, body. */
export function encodeFrame(header: CupsHeader, message: IsoMessage): Buffer {
  return frameOf(header, encodeBody(message));
}

/** Frames an already encoded body (used to echo a rejected body back unchanged). */
export function frameOf(header: CupsHeader, body: Buffer): Buffer {
  const head = encodeHeader(header, body.length);
  const total = head.length + body.length;
  return Buffer.concat([Buffer.from(String(total).padStart(FRAME_PREFIX_LENGTH, '0'), 'latin1'), head, body]);
}

export interface DecodedFrame {
  header: CupsHeader;
  message: IsoMessage;
}

/** Decodes what a FrameReader produced (header + body, no prefix). Throws UnionPayCodecError. */
export function decodeFrame(frame: Buffer): DecodedFrame {
  const header = decodeHeader(frame);
  return { header, message: decodeBody(frame.subarray(CUPS_HEADER_LENGTH)) };
}

/**
 * Header field 10 for a message the receiver could not decode (fact sheet §2.1, A.4 shape: `0xxxN` header
 * problems, `1xxxN` body field xxx with error type N). The type digits are this profile's: 1 length,
 * 2 characters or type, 3 missing, 4 not defined; field 000 stands for the MTI and 001 for the bitmap.
 */
export function rejectCodeFor(error: UnionPayCodecError): string {
  const f = String(error.field ?? 0).padStart(3, '0');
  switch (error.code) {
    case 'BAD_HEADER':
    case 'BAD_FRAME_LENGTH':
    case 'FRAME_TOO_LONG':
      return '00002';
    case 'LENGTH_MISMATCH':
      return '00031';
    case 'BAD_MTI':
      return '10002';
    case 'TRUNCATED_BITMAP':
      return '10011';
    case 'UNKNOWN_FIELD':
      return `1${f}4`;
    case 'MISSING_FIELD':
      return `1${f}3`;
    case 'BAD_FIELD_CHARACTERS':
    case 'BAD_FIELD_TYPE':
      return `1${f}2`;
    case 'TRAILING_BYTES':
      return '19991';
    default:
      return `1${f}1`;
  }
}

export { MAX_MESSAGE_LENGTH };
