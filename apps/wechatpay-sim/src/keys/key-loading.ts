import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { ApiV3Key, createSelfSignedCertificate, normalizeSerial } from '@wxpay/wechatpay';
import { type SimConfig } from '../config/sim-config';
import { type SimLogger } from '../logging/logger';
import { writeFileAtomic } from '../store/atomic-file';
import { newApiV3KeyText, newRsaKeyPair, privatePem, readIfExists, type KeyPaths } from './key-files';
import { type MerchantRegistration, type PlatformKey } from './key-material';

/* Loading (or, on first start, generating) each piece of key material under the data dir. */

export async function createPlatformKey(paths: KeyPaths): Promise<PlatformKey> {
  const pair = await newRsaKeyPair();
  const cert = createSelfSignedCertificate({
    commonName: 'wechatpay-sim platform certificate',
    organization: 'wechatpay-sim (not Tenpay)',
    ...pair,
  });
  await writeFileAtomic(paths.platformKey(cert.serial), privatePem(pair.privateKey), 0o600);
  await writeFileAtomic(paths.platformCert(cert.serial), cert.pem);
  return loadPlatformKey(paths, cert.serial);
}

export async function loadPlatformKey(paths: KeyPaths, serial: string): Promise<PlatformKey> {
  const pem = await readIfExists(paths.platformCert(serial));
  const key = await readIfExists(paths.platformKey(serial));
  if (!pem || !key)
    throw new Error(`platform certificate ${serial} is missing from ${paths.platformCertsDir}`);
  const x509 = new X509Certificate(pem);
  return {
    serial: normalizeSerial(x509.serialNumber),
    certificatePem: pem,
    privateKey: createPrivateKey(key),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
}

export async function loadApiV3Key(config: SimConfig, paths: KeyPaths, logger: SimLogger): Promise<ApiV3Key> {
  if (config.apiV3Key) return ApiV3Key.from(config.apiV3Key);
  let text = await readIfExists(paths.apiV3Key);
  if (text === undefined) {
    text = newApiV3KeyText();
    await writeFileAtomic(paths.apiV3Key, text, 0o600);
    logger.info({ file: paths.apiV3Key }, 'APIv3 key generated (dev only)');
  }
  return ApiV3Key.from(text);
}

export async function loadMerchant(
  config: SimConfig,
  paths: KeyPaths,
  logger: SimLogger,
): Promise<MerchantRegistration> {
  const base = { mchid: config.mchid, appid: config.appid };
  if (config.merchantPublicKeyFile && config.merchantSerial) {
    const pem = await readIfExists(config.merchantPublicKeyFile);
    if (!pem)
      throw new Error(
        `WECHATPAY_SIM_MERCHANT_PUBLIC_KEY_FILE: ${config.merchantPublicKeyFile} does not exist`,
      );
    return { ...base, serial: config.merchantSerial, publicKey: createPublicKey(pem), generated: false };
  }
  const existingKey = await readIfExists(paths.merchantKey);
  const existingSerial = await readIfExists(paths.merchantSerial);
  if (existingKey && existingSerial) {
    return {
      ...base,
      serial: existingSerial.trim(),
      publicKey: createPublicKey(existingKey),
      generated: true,
    };
  }
  const pair = await newRsaKeyPair();
  const cert = createSelfSignedCertificate({
    commonName: `${config.mchid} merchant API certificate (dev)`,
    ...pair,
  });
  await writeFileAtomic(paths.merchantKey, privatePem(pair.privateKey), 0o600);
  await writeFileAtomic(paths.merchantCert, cert.pem);
  await writeFileAtomic(paths.merchantSerial, `${cert.serial}\n`);
  logger.info({ keyFile: paths.merchantKey, serial: cert.serial }, 'dev merchant key pair generated');
  return { ...base, serial: cert.serial, publicKey: pair.publicKey, generated: true };
}
