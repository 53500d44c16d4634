import { randomBytes } from 'node:crypto';
import { SM4_BLOCK_LENGTH, sm4DecryptCbc, sm4EncryptCbc } from '@wxpay/gm-crypto';
import { UnionPaySecurityError } from '../errors/unionpay-errors';

/** The card data a request carries only inside F62. */
export interface SensitiveCardData {
  pan: string;
  /** YYMM */
  expiry?: string;
}

const ELEMENT = /^([0-9]{3})([0-9]{2})/;

/**
 * F62 of this profile (§7.3): random IV (16 bytes) ‖ SM4-CBC-PKCS#7 under the data key of a plaintext made of
 * the fields it replaces, each as field number (3 digits) + length (2 digits) + value: 002 PAN, 014 expiry.
 * The MAC is computed over the ciphertext (encrypt-then-MAC), so a tampered block never reaches decryption.
 */
export function encryptSensitiveData(dataKey: Uint8Array, data: SensitiveCardData): Buffer {
  let plain = `002${String(data.pan.length).padStart(2, '0')}${data.pan}`;
  if (data.expiry !== undefined) plain += `01404${data.expiry}`;
  const iv = randomBytes(SM4_BLOCK_LENGTH);
  const clear = Buffer.from(plain, 'latin1');
  const sealed = sm4EncryptCbc(dataKey, clear, { iv, padding: 'pkcs7' });
  clear.fill(0);
  return Buffer.concat([iv, sealed]);
}

function bad(): never {
  throw new UnionPaySecurityError('BAD_SENSITIVE_DATA', 'F62 does not decrypt to valid card data');
}

export function decryptSensitiveData(dataKey: Uint8Array, block: Buffer): SensitiveCardData {
  if (block.length < 2 * SM4_BLOCK_LENGTH || block.length % SM4_BLOCK_LENGTH !== 0) bad();
  let clear: Buffer;
  try {
    clear = sm4DecryptCbc(dataKey, block.subarray(SM4_BLOCK_LENGTH), {
      iv: block.subarray(0, SM4_BLOCK_LENGTH),
      padding: 'pkcs7',
    });
  } catch {
    bad();
  }
  const text = clear.toString('latin1');
  clear.fill(0);
  const out: Partial<SensitiveCardData> = {};
  let at = 0;
  while (at < text.length) {
    const m = ELEMENT.exec(text.slice(at, at + 5));
    if (!m) bad();
    const length = Number(m[2]);
    const value = text.slice(at + 5, at + 5 + length);
    if (value.length !== length || !/^[0-9]+$/.test(value)) bad();
    if (m[1] === '002') out.pan = value;
    else if (m[1] === '014') out.expiry = value;
    else bad();
    at += 5 + length;
  }
  if (out.pan === undefined || !/^[0-9]{13,19}$/.test(out.pan)) bad();
  if (out.expiry !== undefined && !/^[0-9]{4}$/.test(out.expiry)) bad();
  return out as SensitiveCardData;
}
