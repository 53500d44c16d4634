import { UnionPayCodecError } from '../errors/unionpay-errors';

/** Fixed CUPS header length (fact sheet §2.1). */
export const CUPS_HEADER_LENGTH = 46;
/** Header field 2. The real value is set by Q/CUP 006.2; 0x01 ("profile version 1") is this profile's choice. */
export const HEADER_FLAG_VERSION = 0x01;
export const NO_REJECT = '00000';

export interface CupsHeader {
  /** Field 4: receiving institution, 11 characters, space padded. */
  destinationId: string;
  /** Field 5: sending institution. */
  sourceId: string;
  /** Field 7 (binary, 0 in this profile). */
  batchNumber: number;
  /** Field 8: 8 ASCII characters ("00000000" in this profile). */
  transactionInfo: string;
  /** Field 9 (binary, 0). */
  userInfo: number;
  /** Field 10: "00000", or the reason a message was rejected (`1xxxN`: body field xxx, error type N). */
  rejectCode: string;
}

export function cupsHeader(destinationId: string, sourceId: string, rejectCode = NO_REJECT): CupsHeader {
  return { destinationId, sourceId, batchNumber: 0, transactionInfo: '00000000', userInfo: 0, rejectCode };
}

function institutionId(value: string, what: string): string {
  if (!/^[\x20-\x7e]{0,11}$/.test(value)) {
    throw new UnionPayCodecError('BAD_HEADER', `${what} must be at most 11 printable characters`);
  }
  return value.padEnd(11, ' ');
}

/** Header bytes for a message whose body (MTI + bitmap + fields) is `bodyLength` bytes long. */
export function encodeHeader(h: CupsHeader, bodyLength: number): Buffer {
  const total = CUPS_HEADER_LENGTH + bodyLength;
  if (total > 9999) throw new UnionPayCodecError('FRAME_TOO_LONG', `message of ${total} bytes exceeds 9999`);
  if (!/^[0-9A-Z]{5}$/.test(h.rejectCode))
    throw new UnionPayCodecError('BAD_HEADER', 'reject code must be 5 characters');
  if (!/^[\x20-\x7e]{8}$/.test(h.transactionInfo)) {
    throw new UnionPayCodecError('BAD_HEADER', 'transaction information must be 8 characters');
  }
  const buf = Buffer.alloc(CUPS_HEADER_LENGTH);
  buf[0] = CUPS_HEADER_LENGTH;
  buf[1] = HEADER_FLAG_VERSION;
  buf.write(String(total).padStart(4, '0'), 2, 'latin1');
  buf.write(institutionId(h.destinationId, 'destination id'), 6, 'latin1');
  buf.write(institutionId(h.sourceId, 'source id'), 17, 'latin1');
  // bytes 28–30: reserved, binary zero
  buf[31] = h.batchNumber & 0xff;
  buf.write(h.transactionInfo, 32, 'latin1');
  buf[40] = h.userInfo & 0xff;
  buf.write(h.rejectCode, 41, 'latin1');
  return buf;
}

/** Parses and checks the header of a complete message (`message` = header + body, without the frame prefix). */
export function decodeHeader(message: Buffer): CupsHeader {
  if (message.length < CUPS_HEADER_LENGTH) {
    throw new UnionPayCodecError(
      'BAD_HEADER',
      `message of ${message.length} bytes is shorter than the header`,
    );
  }
  if (message[0] !== CUPS_HEADER_LENGTH)
    throw new UnionPayCodecError('BAD_HEADER', 'header length byte must be 46');
  if (message[1] !== HEADER_FLAG_VERSION)
    throw new UnionPayCodecError('BAD_HEADER', 'unsupported header version');
  const total = message.toString('latin1', 2, 6);
  if (!/^[0-9]{4}$/.test(total)) throw new UnionPayCodecError('BAD_HEADER', 'total length is not 4 digits');
  if (Number(total) !== message.length) {
    throw new UnionPayCodecError('LENGTH_MISMATCH', 'header total length differs from the frame length');
  }
  const rejectCode = message.toString('latin1', 41, 46);
  if (!/^[0-9A-Z]{5}$/.test(rejectCode))
    throw new UnionPayCodecError('BAD_HEADER', 'reject code is malformed');
  return {
    destinationId: message.toString('latin1', 6, 17).trimEnd(),
    sourceId: message.toString('latin1', 17, 28).trimEnd(),
    batchNumber: message[31],
    transactionInfo: message.toString('latin1', 32, 40),
    userInfo: message[40],
    rejectCode,
  };
}
