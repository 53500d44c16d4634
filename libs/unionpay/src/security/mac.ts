import { timingSafeEqual } from 'node:crypto';
import { sm4CbcMac } from '@wxpay/gm-crypto';
import { type IsoMessage } from '../codec/iso-message';
import { UnionPaySecurityError } from '../errors/unionpay-errors';

/** Bytes of SM4 CBC-MAC kept in F128 (profile §7.2; CUPS' SM4 truncation is not public). */
export const MAC_LENGTH = 8;
export const MAC_FIELD = 128;

/** Fields never in the MAC block: the MACs themselves. */
const MAC_FIELDS_THEMSELVES = new Set([64, MAC_FIELD]);

/** Each element's header: a 3-character label and a 4-digit length. */
const HEADER = 7;

/**
 * The MAC block (profile §7.2 ⚙): the MTI, then every field present but the MACs, in field order, each as its
 * number (3 digits) ‖ its length in bytes (4 digits) ‖ its bytes exactly as the codec holds them (text as
 * Latin-1, binary as it is). Nothing is left out or normalised: CUPS' customary block (a field selection, upper
 * case, only A–Z 0–9 space comma full stop) let two messages differing in F42's case, in punctuation or in an
 * unselected field share a MAC. The length prefixes keep any two different messages' blocks apart. Built in one
 * buffer: every MACed message goes through here twice (sent and checked).
 */
export function buildMacBlock(message: IsoMessage): Buffer {
  const fields = message.fieldNumbers().filter((f) => !MAC_FIELDS_THEMSELVES.has(f));
  const values = fields.map((f) => message.get(f)!);
  const byteLength = (v: string | Buffer) =>
    typeof v === 'string' ? Buffer.byteLength(v, 'latin1') : v.length;
  let size = HEADER + byteLength(message.mti);
  for (const v of values) size += HEADER + byteLength(v);
  const block = Buffer.allocUnsafe(size);
  let at = 0;
  const put = (label: string, v: string | Buffer) => {
    const length = byteLength(v);
    at += block.write(`${label}${String(length).padStart(4, '0')}`, at, 'latin1');
    at += typeof v === 'string' ? block.write(v, at, 'latin1') : v.copy(block, at);
  };
  put('MTI', message.mti);
  fields.forEach((f, i) => put(String(f).padStart(3, '0'), values[i]!));
  return block;
}

/** SM4 CBC-MAC (ISO/IEC 9797-1 algorithm 1, zero IV, zero padding) over a MAC block, full 16 bytes. */
export function sm4MacOfBlock(macKey: Uint8Array, block: Uint8Array): Buffer {
  return sm4CbcMac(macKey, block, { padding: 'zero' });
}

export function computeMac(macKey: Uint8Array, message: IsoMessage): Buffer {
  return sm4MacOfBlock(macKey, buildMacBlock(message)).subarray(0, MAC_LENGTH);
}

/** Sets F128 (which brings the secondary bitmap) to the message's MAC. */
export function applyMac(message: IsoMessage, macKey: Uint8Array): IsoMessage {
  message.delete(MAC_FIELD);
  return message.set(MAC_FIELD, computeMac(macKey, message));
}

/** Throws MAC_MISSING or MAC_MISMATCH; constant-time comparison. */
export function verifyMac(message: IsoMessage, macKey: Uint8Array): void {
  const given = message.binary(MAC_FIELD);
  if (given === undefined) throw new UnionPaySecurityError('MAC_MISSING', 'message carries no MAC (F128)');
  const expected = computeMac(macKey, message);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new UnionPaySecurityError('MAC_MISMATCH', 'MAC verification failed');
  }
}
