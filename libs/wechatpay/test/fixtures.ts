import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import {
  ApiV3Key,
  createSelfSignedCertificate,
  encryptResource,
  signAsWechatPay,
  WechatPayKeyStore,
  type EncryptedResource,
} from '../src';

/** Keys are generated at run time; nothing here resembles a real merchant's secrets. */
export function rsaPair(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

export const API_V3_KEY_TEXT = 'test-apiv3-key-0123456789abcdefg'; // 32 ASCII bytes, test only
export const apiV3Key = ApiV3Key.from(API_V3_KEY_TEXT);
export const MCHID = '1900000109';
export const APPID = 'wx0000000000000001';
export const PUBLIC_KEY_ID = 'PUB_KEY_ID_0119000001092025010100000001';

export interface WechatPayKeys {
  readonly cert: { privateKey: KeyObject; publicKey: KeyObject; pem: string; serial: string };
  readonly pk: { privateKey: KeyObject; publicKey: KeyObject; id: string };
}

export function wechatPayKeys(): WechatPayKeys {
  const certPair = rsaPair();
  const cert = createSelfSignedCertificate({ commonName: 'test platform', ...certPair });
  return {
    cert: { ...certPair, pem: cert.pem, serial: cert.serial },
    pk: { ...rsaPair(), id: PUBLIC_KEY_ID },
  };
}

export function keyStoreFor(
  keys: WechatPayKeys,
  mode: 'certificate' | 'public-key' | 'both',
): WechatPayKeyStore {
  const store = new WechatPayKeyStore();
  if (mode !== 'public-key') store.addPlatformCertificate(keys.cert.pem);
  if (mode !== 'certificate') store.addPublicKey(keys.pk.id, keys.pk.publicKey);
  return store;
}

export function transactionResource(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    appid: APPID,
    mchid: MCHID,
    out_trade_no: 'ORDER-0001',
    transaction_id: '4200000000202501010000000001',
    trade_type: 'JSAPI',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'CMB_CREDIT',
    attach: '',
    success_time: '2025-01-01T10:00:00+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 1999, payer_total: 1999, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides,
  };
}

export interface NotificationSpec {
  readonly eventType?: string;
  readonly resource?: Record<string, unknown>;
  readonly associatedData?: string;
  readonly originalType?: string;
  readonly key?: ApiV3Key;
  /** Change the encrypted resource after encryption (before signing). */
  readonly tamperResource?: (r: EncryptedResource & { associated_data: string }) => EncryptedResource;
}

export function notificationBody(spec: NotificationSpec = {}): Buffer {
  const resource = encryptResource(
    JSON.stringify(spec.resource ?? transactionResource()),
    spec.key ?? apiV3Key,
    spec.associatedData ?? 'transaction',
  );
  const sealed = spec.tamperResource ? spec.tamperResource(resource) : resource;
  return Buffer.from(
    JSON.stringify({
      id: 'EV-2018022511223320873',
      create_time: '2025-01-01T10:00:01+08:00',
      resource_type: 'encrypt-resource',
      event_type: spec.eventType ?? 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: { original_type: spec.originalType ?? 'transaction', ...sealed },
    }),
  );
}

export function signedHeaders(
  body: Buffer,
  signer: { privateKey: KeyObject; serial: string },
  timestampSeconds = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const h = signAsWechatPay(signer.privateKey, signer.serial, body, timestampSeconds);
  // Node lower-cases incoming header names; the parser must not care either way.
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

export function flipByte(base64: string, index: number): string {
  const b = Buffer.from(base64, 'base64');
  b[index] ^= 0x01;
  return b.toString('base64');
}
