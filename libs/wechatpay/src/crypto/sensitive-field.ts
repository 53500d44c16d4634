import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { WechatPayConfigError } from '../errors/api-error';
import { systemClock, type Clock } from '../verification/clock';
import { type WechatPayKeyStore } from '../verification/key-store';

/** RSA-2048 OAEP with SHA-1 leaves 256 − 2·20 − 2 bytes of room. */
export const MAX_SENSITIVE_FIELD_BYTES = 214;

/** RSAES-OAEP, SHA-1 and MGF1-SHA-1, base64 — WeChat's scheme for sensitive request fields (names, ID numbers). */
export function encryptSensitiveField(plaintext: string, key: KeyObject): string {
  const data = Buffer.from(plaintext, 'utf8');
  if (data.length > MAX_SENSITIVE_FIELD_BYTES) {
    throw new RangeError(
      `a sensitive field holds at most ${MAX_SENSITIVE_FIELD_BYTES} bytes, got ${data.length}`,
    );
  }
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, data).toString(
    'base64',
  );
}

/** The reverse, with a private key: WeChat's side, or ours for fields WeChat encrypts to the merchant key. */
export function decryptSensitiveField(ciphertext: string, key: KeyObject): string {
  return privateDecrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(ciphertext, 'base64'),
  ).toString('utf8');
}

export interface SensitiveFieldCipher {
  /** The `Wechatpay-Serial` the request must carry so WeChat picks the matching private key. */
  readonly serial: string;
  encrypt(plaintext: string): string;
}

/**
 * Picks one key for a whole request (the WeChat Pay public key if configured, else the newest valid platform
 * certificate), so every encrypted field and the `Wechatpay-Serial` header agree.
 */
export function sensitiveFieldCipher(
  keyStore: WechatPayKeyStore,
  clock: Clock = systemClock,
): SensitiveFieldCipher {
  const entry = keyStore.preferred(clock());
  if (!entry) {
    throw new WechatPayConfigError('no WeChat Pay public key or valid platform certificate to encrypt with');
  }
  return { serial: entry.serial, encrypt: (plaintext) => encryptSensitiveField(plaintext, entry.key) };
}
