import Pay from 'wechatpay-node-v3';
import {
  ApiV3Key,
  VerificationFailure,
  WechatPayVerificationError,
  decryptResource,
  encryptResource,
  type EncryptedResource,
} from '../src';
import { API_V3_KEY_TEXT, apiV3Key, flipByte } from './fixtures';

const PLAINTEXT = JSON.stringify({
  out_trade_no: 'ORDER-0001',
  trade_state: 'SUCCESS',
  amount: { total: 100 },
});

function codeOf(fn: () => unknown): VerificationFailure {
  try {
    fn();
  } catch (e) {
    if (e instanceof WechatPayVerificationError) return e.code;
    throw e;
  }
  throw new Error('expected a WechatPayVerificationError');
}

describe('AEAD_AES_256_GCM', () => {
  const sealed = encryptResource(PLAINTEXT, apiV3Key, 'transaction');

  it('round-trips with a 12-character nonce and the associated data', () => {
    expect(sealed.nonce).toHaveLength(12);
    expect(decryptResource(sealed, apiV3Key).toString()).toBe(PLAINTEXT);
  });

  it('accepts empty associated data when it was empty at encryption', () => {
    const noAad = encryptResource(PLAINTEXT, apiV3Key, '');
    expect(decryptResource({ ...noAad, associated_data: undefined }, apiV3Key).toString()).toBe(PLAINTEXT);
  });

  it.each<[string, (r: EncryptedResource) => EncryptedResource]>([
    ['a flipped ciphertext bit', (r) => ({ ...r, ciphertext: flipByte(r.ciphertext, 0) })],
    [
      'a flipped tag bit',
      (r) => ({ ...r, ciphertext: flipByte(r.ciphertext, Buffer.from(r.ciphertext, 'base64').length - 1) }),
    ],
    ['other associated data', (r) => ({ ...r, associated_data: 'certificate' })],
    ['another nonce', (r) => ({ ...r, nonce: 'AAAAAAAAAAAA' })],
    [
      'a truncated tag',
      (r) => ({ ...r, ciphertext: Buffer.from(r.ciphertext, 'base64').subarray(0, -1).toString('base64') }),
    ],
  ])('rejects %s with DECRYPT_FAILED', (_label, tamper) => {
    expect(codeOf(() => decryptResource(tamper(sealed), apiV3Key))).toBe(VerificationFailure.DECRYPT_FAILED);
  });

  it('rejects the wrong APIv3 key with DECRYPT_FAILED', () => {
    const other = ApiV3Key.from('another-apiv3-key-0123456789abcd');
    expect(codeOf(() => decryptResource(sealed, other))).toBe(VerificationFailure.DECRYPT_FAILED);
  });

  it('rejects a key that is not 32 bytes with WRONG_KEY_LENGTH (the classic 34-character key)', () => {
    expect(codeOf(() => ApiV3Key.from(`${API_V3_KEY_TEXT}\r\n`))).toBe(VerificationFailure.WRONG_KEY_LENGTH);
  });

  it('rejects other algorithms', () => {
    expect(codeOf(() => decryptResource({ ...sealed, algorithm: 'AEAD_SM4_GCM' }, apiV3Key))).toBe(
      VerificationFailure.UNSUPPORTED_ALGORITHM,
    );
  });
});

describe('wechatpay-node-v3 2.2.1 decipher_gcm (why we do not use it)', () => {
  const pay = new Pay({
    appid: 'wx0000000000000001',
    mchid: '1900000109',
    serial_no: '0'.repeat(40),
    publicKey: Buffer.from('unused'),
    privateKey: Buffer.from('unused'),
  });

  it('returns attacker-modified plaintext for a tampered ciphertext that ours rejects', () => {
    // Flip bits inside the JSON so "SUCCESS" becomes something else; GCM is a stream mode, so the change is
    // targeted. The package sets the tag but never calls final(), so the tag is never checked.
    const sealed = encryptResource(PLAINTEXT, apiV3Key, 'transaction');
    const bytes = Buffer.from(sealed.ciphertext, 'base64');
    const at = PLAINTEXT.indexOf('SUCCESS');
    const forged = Buffer.from('FAILURE');
    for (let i = 0; i < forged.length; i++) bytes[at + i] ^= PLAINTEXT.charCodeAt(at + i) ^ forged[i];
    const tampered = { ...sealed, ciphertext: bytes.toString('base64') };

    const theirs = pay.decipher_gcm<{ trade_state: string }>(
      tampered.ciphertext,
      tampered.associated_data,
      tampered.nonce,
      API_V3_KEY_TEXT,
    );
    expect(theirs.trade_state).toBe('FAILURE');
    expect(codeOf(() => decryptResource(tampered, apiV3Key))).toBe(VerificationFailure.DECRYPT_FAILED);
  });
});
