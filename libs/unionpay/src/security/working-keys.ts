import { randomBytes, timingSafeEqual } from 'node:crypto';
import { SM4_KEY_LENGTH, sm4DecryptEcb, sm4EncryptEcb, sm4KeyCheckValue } from '@wxpay/gm-crypto';
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

const KEY_ORDER = ['P', 'M', 'D'] as const;
const ENTRY = /^([PMD])([0-9A-F]{32})([0-9A-F]{8})$/;
export const KEY_BLOCK_TAG = 'KX01';
/** F48 of an 0830 echo answer: `KC01` + KCV of the switch's current MAC key for the institution (profile §8.3). */
export const ECHO_KEY_TAG = 'KC01';

/**
 * F48 of an 0830 key reset (profile §8.2): `KX01`, the generation (2 digits), then for the PIN, MAC and data
 * keys in that order: type letter, the key under the zone key (SM4-ECB, 32 hex), its KCV (8 hex).
 */
export function encodeKeyBlock(zoneKey: Uint8Array, keys: WorkingKeys): string {
  const entries = [keys.pinKey, keys.macKey, keys.dataKey].map((key, i) => {
    const wrapped = sm4EncryptEcb(zoneKey, key, { padding: 'none' }).toString('hex').toUpperCase();
    return `${KEY_ORDER[i]}${wrapped}${keyCheckValue(key)}`;
  });
  return `${KEY_BLOCK_TAG}${String(keys.generation).padStart(2, '0')}${entries.join('')}`;
}

/** Unwraps and checks every KCV; throws BAD_KEY_BLOCK or KCV_MISMATCH (never with key bytes). */
export function decodeKeyBlock(zoneKey: Uint8Array, f48: string): WorkingKeys {
  const entryLength = 1 + 32 + 8;
  if (!f48.startsWith(KEY_BLOCK_TAG) || f48.length !== KEY_BLOCK_TAG.length + 2 + 3 * entryLength) {
    throw new UnionPaySecurityError('BAD_KEY_BLOCK', 'key block has the wrong tag or length');
  }
  const generation = Number(f48.slice(4, 6));
  if (!/^[0-9]{2}$/.test(f48.slice(4, 6)) || generation < 1) {
    throw new UnionPaySecurityError('BAD_KEY_BLOCK', 'key generation must be 01-99');
  }
  const keys: Buffer[] = [];
  for (let i = 0; i < 3; i++) {
    const start = 6 + i * entryLength;
    const m = ENTRY.exec(f48.slice(start, start + entryLength));
    if (!m || m[1] !== KEY_ORDER[i])
      throw new UnionPaySecurityError('BAD_KEY_BLOCK', `key entry ${i + 1} is malformed`);
    const key = sm4DecryptEcb(zoneKey, Buffer.from(m[2], 'hex'), { padding: 'none' });
    const kcv = Buffer.from(keyCheckValue(key), 'latin1');
    if (!timingSafeEqual(kcv, Buffer.from(m[3], 'latin1'))) {
      throw new UnionPaySecurityError('KCV_MISMATCH', `check value of key entry ${m[1]} does not match`);
    }
    keys.push(key);
  }
  return { generation, pinKey: keys[0], macKey: keys[1], dataKey: keys[2] };
}
