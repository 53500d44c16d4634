import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  GmCryptoError,
  SM4_GCM_IV_LENGTH,
  SM4_GCM_TAG_LENGTH,
  SM4_KEY_LENGTH,
  sm4GcmDecrypt,
  sm4GcmEncrypt,
  sm4KeyCheckValue,
} from '@wxpay/gm-crypto';
import { UnionPaySecurityError } from '../errors/unionpay-errors';

/** The three SM4 working keys of one institution, as delivered by one key exchange. */
export interface WorkingKeys {
  generation: number;
  /** PIN key: carried for completeness (card-not-present traffic has no PIN block). */
  pinKey: Buffer;
  macKey: Buffer;
  dataKey: Buffer;
}

export function generateWorkingKeys(generation: number): WorkingKeys {
  return {
    generation,
    pinKey: randomBytes(SM4_KEY_LENGTH),
    macKey: randomBytes(SM4_KEY_LENGTH),
    dataKey: randomBytes(SM4_KEY_LENGTH),
  };
}

/** KCV: first 4 bytes of SM4(key, 0¹²⁸), upper-case hex (fact sheet §2.7). */
export function keyCheckValue(key: Uint8Array): string {
  return sm4KeyCheckValue(key, { length: 4 }).toString('hex').toUpperCase();
}

/**
 * Key usages as TR-31 / X9.143 name them: P0 PIN encryption, M1 ISO 9797-1 MAC algorithm 1 (our SM4 CBC-MAC),
 * D0 data encryption. In this order in every key block.
 */
const KEY_USAGES = ['P0', 'M1', 'D0'] as const;
type KeyUsage = (typeof KEY_USAGES)[number];
/** Each protected key: IV ‖ SM4-GCM ciphertext of the 16-byte key ‖ tag, as hex. */
const PROTECTED_HEX = 2 * (SM4_GCM_IV_LENGTH + SM4_KEY_LENGTH + SM4_GCM_TAG_LENGTH);
const ENTRY = new RegExp(`^(P0|M1|D0)([0-9A-F]{${PROTECTED_HEX}})([0-9A-F]{8})$`);
const ENTRY_LENGTH = 2 + PROTECTED_HEX + 8;
export const KEY_BLOCK_TAG = 'KX02';
/** F48 of an 0830 echo answer: `KC01` + KCV of the switch's current MAC key for the institution (profile §8.3). */
export const ECHO_KEY_TAG = 'KC01';

/** What each protected key is bound to: block version, generation, usage (a key moved to another slot fails). */
function header(generation: string, usage: KeyUsage): Buffer {
  return Buffer.from(`${KEY_BLOCK_TAG}|${generation}|${usage}`, 'latin1');
}

/**
 * F48 of an 0830 key reset (profile §8.2), a key block in the manner of TR-31 / X9.143: `KX02`, the generation
 * (2 digits), then for the PIN, MAC and data keys in that order: its usage (P0, M1, D0), the key protected under
 * the zone key with SM4-GCM whose associated data is the block version, generation and usage (88 hex), and its
 * KCV (8 hex). A key cannot be moved to another usage or generation, nor altered, without failing its tag.
 */
export function encodeKeyBlock(zoneKey: Uint8Array, keys: WorkingKeys): string {
  const generation = String(keys.generation).padStart(2, '0');
  const entries = [keys.pinKey, keys.macKey, keys.dataKey].map((key, i) => {
    const usage = KEY_USAGES[i]!;
    const iv = randomBytes(SM4_GCM_IV_LENGTH);
    const { ciphertext, tag } = sm4GcmEncrypt(zoneKey, key, { iv, aad: header(generation, usage) });
    const protectedKey = Buffer.concat([iv, ciphertext, tag]).toString('hex').toUpperCase();
    return `${usage}${protectedKey}${keyCheckValue(key)}`;
  });
  return `${KEY_BLOCK_TAG}${generation}${entries.join('')}`;
}

/** Unwraps and checks every key's binding and KCV; throws BAD_KEY_BLOCK or KCV_MISMATCH (never with key bytes). */
export function decodeKeyBlock(zoneKey: Uint8Array, f48: string): WorkingKeys {
  if (!f48.startsWith(KEY_BLOCK_TAG) || f48.length !== KEY_BLOCK_TAG.length + 2 + 3 * ENTRY_LENGTH) {
    throw new UnionPaySecurityError('BAD_KEY_BLOCK', 'key block has the wrong tag or length');
  }
  const generationText = f48.slice(4, 6);
  const generation = Number(generationText);
  if (!/^[0-9]{2}$/.test(generationText) || generation < 1) {
    throw new UnionPaySecurityError('BAD_KEY_BLOCK', 'key generation must be 01-99');
  }
  const keys: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    const start = 6 + i * ENTRY_LENGTH;
    const m = ENTRY.exec(f48.slice(start, start + ENTRY_LENGTH));
    if (!m || m[1] !== KEY_USAGES[i])
      throw new UnionPaySecurityError(
        'BAD_KEY_BLOCK',
        `key entry ${i + 1} is malformed or has another usage`,
      );
    const bytes = Buffer.from(m[2]!, 'hex');
    let key: Buffer;
    try {
      key = sm4GcmDecrypt(zoneKey, bytes.subarray(SM4_GCM_IV_LENGTH, SM4_GCM_IV_LENGTH + SM4_KEY_LENGTH), {
        iv: bytes.subarray(0, SM4_GCM_IV_LENGTH),
        aad: header(generationText, m[1] as KeyUsage),
        tag: bytes.subarray(SM4_GCM_IV_LENGTH + SM4_KEY_LENGTH),
      });
    } catch (e) {
      if (!(e instanceof GmCryptoError)) throw e;
      throw new UnionPaySecurityError(
        'BAD_KEY_BLOCK',
        `key entry ${m[1]} failed its integrity check (another zone key, usage or generation)`,
      );
    }
    const kcv = Buffer.from(keyCheckValue(key), 'latin1');
    if (!timingSafeEqual(kcv, Buffer.from(m[3]!, 'latin1'))) {
      throw new UnionPaySecurityError('KCV_MISMATCH', `check value of key entry ${m[1]} does not match`);
    }
    keys.push(key);
  }
  return { generation, pinKey: keys[0]!, macKey: keys[1]!, dataKey: keys[2]! };
}
