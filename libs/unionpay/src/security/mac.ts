import { timingSafeEqual } from 'node:crypto';
import { sm4CbcMac } from '@wxpay/gm-crypto';
import { fieldSpec } from '../codec/field-specs';
import { type IsoMessage } from '../codec/iso-message';
import { UnionPaySecurityError } from '../errors/unionpay-errors';

/** Bytes of SM4 CBC-MAC kept in F128 (profile §7.2; CUPS' SM4 truncation is not public). */
export const MAC_LENGTH = 8;
export const MAC_FIELD = 128;

/**
 * Fields that enter the MAC block, in this order after the MTI: the commonly cited CUPS selection (fact sheet
 * §2.6) with this profile's additions (37, 48, 49, 53, 60, 62 — 62 stands in for the PAN it encrypts, 70).
 */
export const MAC_FIELDS: readonly number[] = [
  2, 3, 4, 7, 11, 18, 25, 32, 33, 37, 38, 39, 41, 42, 48, 49, 53, 60, 62, 70, 90, 100, 102, 103,
];

function renderField(message: IsoMessage, field: number): string | undefined {
  const value = message.get(field);
  if (value === undefined) return undefined;
  const spec = fieldSpec(field)!;
  const text = typeof value === 'string' ? value : value.toString('hex');
  const length = typeof value === 'string' ? value.length : value.length;
  if (spec.kind === 'fixed') return text;
  return `${String(length).padStart(spec.kind === 'llvar' ? 2 : 3, '0')}${text}`;
}

/** CUPS MAB normalisation of one element: upper case, keep A–Z 0–9 space comma full stop, trim. */
function normalise(part: string): string {
  return part
    .toUpperCase()
    .replace(/[^A-Z0-9 ,.]/g, '')
    .trim();
}

/**
 * The MAC block (fact sheet §2.6): MTI and the selected fields present, variable fields with their length
 * prefix, binary fields as upper-case hex, one space between elements, runs of spaces collapsed.
 */
export function buildMacBlock(message: IsoMessage, fields: readonly number[] = MAC_FIELDS): Buffer {
  const parts = [normalise(message.mti)];
  for (const f of fields) {
    const rendered = renderField(message, f);
    if (rendered === undefined) continue;
    const n = normalise(rendered);
    if (n.length > 0) parts.push(n);
  }
  return Buffer.from(parts.join(' ').replace(/ {2,}/g, ' '), 'latin1');
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
