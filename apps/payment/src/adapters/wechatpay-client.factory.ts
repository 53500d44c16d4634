import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { WechatPayClient, WechatPayKeyStore } from '@wxpay/wechatpay';
import { type PaymentConfig } from '../config';

export class WechatPayKeyFileError extends Error {
  override readonly name = 'WechatPayKeyFileError';
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new WechatPayKeyFileError(`cannot read ${what} at ${file}`);
  }
}

/**
 * The WeChat Pay client from configuration: the merchant key signs our calls; the WeChat Pay public key and/or
 * the platform certificates verify WeChat Pay's answers and notifications (both at once during a migration).
 * Certificate mode also refreshes the certificates (rate-limited) when an unknown serial shows up.
 */
export function createWechatPayClient(config: PaymentConfig): WechatPayClient {
  const keyStore = new WechatPayKeyStore();
  if (config.WECHATPAY_PUBLIC_KEY_ID && config.WECHATPAY_PUBLIC_KEY_FILE) {
    keyStore.addPublicKey(
      config.WECHATPAY_PUBLIC_KEY_ID,
      read(config.WECHATPAY_PUBLIC_KEY_FILE, 'the WeChat Pay public key'),
    );
  }
  const certsDir = config.WECHATPAY_PLATFORM_CERTS_DIR;
  if (certsDir) {
    let files: string[] = [];
    try {
      files = readdirSync(certsDir).filter((f) => f.endsWith('.pem') || f.endsWith('.crt'));
    } catch {
      throw new WechatPayKeyFileError(`cannot read the platform certificates folder ${certsDir}`);
    }
    for (const f of files) keyStore.addPlatformCertificate(read(join(certsDir, f), 'a platform certificate'));
  }
  const apiV3Key = config.WECHATPAY_APIV3_KEY_FILE
    ? read(config.WECHATPAY_APIV3_KEY_FILE, 'the APIv3 key')
        .toString('utf8')
        .replace(/\r?\n$/, '')
    : config.WECHATPAY_APIV3_KEY!;
  const client = new WechatPayClient({
    mchid: config.WECHATPAY_MCHID,
    appid: config.WECHATPAY_APPID,
    merchantPrivateKey: read(config.WECHATPAY_MERCHANT_KEY_FILE, 'the merchant private key'),
    merchantCertificateSerial: config.WECHATPAY_MERCHANT_SERIAL,
    apiV3Key,
    keyStore,
    baseUrl: config.WECHATPAY_BASE_URL,
    attemptTimeoutMs: config.WECHATPAY_ATTEMPT_TIMEOUT_MS,
    deadlineMs: config.WECHATPAY_DEADLINE_MS,
  });
  if (certsDir) client.enableCertificateRefresh();
  return client;
}
