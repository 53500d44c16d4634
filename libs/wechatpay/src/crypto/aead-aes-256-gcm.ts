import { createCipheriv, createDecipheriv, randomInt } from 'node:crypto';
import { VerificationFailure, WechatPayVerificationError } from '../errors/verification-error';
import { type ApiV3Key } from './apiv3-key';

export const AEAD_AES_256_GCM = 'AEAD_AES_256_GCM';
const TAG_BYTES = 16;
const NONCE_CHARS = 12;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** The `resource` / `encrypt_certificate` object of notifications and `/v3/certificates`. */
export interface EncryptedResource {
  readonly algorithm: string;
  /** Base64 of ciphertext ‖ 16-byte tag. */
  readonly ciphertext: string;
  /** 12 characters, used as UTF-8 bytes (not base64). */
  readonly nonce: string;
  /** May be empty or absent; used as UTF-8 bytes. */
  readonly associated_data?: string;
}

/**
 * Decrypts AEAD_AES_256_GCM as WeChat Pay specifies, **with the tag checked**: `final()` throws when the
 * ciphertext, tag, associated data or key is wrong, and only then is the plaintext released. (wechatpay-node-v3
 * 2.2.x skips `final()` and returns attacker-controlled plaintext.)
 */
export function decryptResource(resource: EncryptedResource, key: ApiV3Key): Buffer {
  if (resource.algorithm !== AEAD_AES_256_GCM) {
    throw new WechatPayVerificationError(
      VerificationFailure.UNSUPPORTED_ALGORITHM,
      'only AEAD_AES_256_GCM is supported',
      { algorithm: String(resource.algorithm).slice(0, 32) },
    );
  }
  const iv = Buffer.from(resource.nonce, 'utf8');
  const sealed = Buffer.from(resource.ciphertext, 'base64');
  if (iv.length !== NONCE_CHARS || sealed.length <= TAG_BYTES) {
    throw new WechatPayVerificationError(
      VerificationFailure.DECRYPT_FAILED,
      'nonce or ciphertext has a wrong length',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.bytes(), iv, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    const tail = decipher.final(); // throws on any authentication failure
    return tail.length ? Buffer.concat([head, tail]) : head;
  } catch {
    // The OpenSSL message says nothing useful and the cause must not travel with key-dependent state.
    throw new WechatPayVerificationError(
      VerificationFailure.DECRYPT_FAILED,
      'AES-GCM authentication failed (tampered data, wrong associated data or wrong APIv3 key)',
    );
  }
}

/** 12 random characters, as WeChat Pay uses for `resource.nonce`. */
export function resourceNonce(): string {
  let out = '';
  for (let i = 0; i < NONCE_CHARS; i++) out += NONCE_ALPHABET[randomInt(NONCE_ALPHABET.length)];
  return out;
}

/** The encrypting side (the simulator, tests): what WeChat Pay does before notifying. */
export function encryptResource(
  plaintext: Buffer | string,
  key: ApiV3Key,
  associatedData: string,
  nonce: string = resourceNonce(),
): EncryptedResource & { associated_data: string } {
  const cipher = createCipheriv('aes-256-gcm', key.bytes(), Buffer.from(nonce, 'utf8'), {
    authTagLength: TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return {
    algorithm: AEAD_AES_256_GCM,
    ciphertext: body.toString('base64'),
    nonce,
    associated_data: associatedData,
  };
}
