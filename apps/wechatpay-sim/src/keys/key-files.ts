import { generateKeyPair, randomInt, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const generateRsa = promisify(generateKeyPair);

/** Where everything lives under the data dir; secrets only under private/ and merchant/ (mode 0600). */
export function keyPaths(dataDir: string) {
  return {
    manifest: join(dataDir, 'keys.json'),
    bundle: join(dataDir, 'merchant-bundle.json'),
    publicKeyPem: join(dataDir, 'public', 'wechatpay-public-key.pem'),
    platformCertsDir: join(dataDir, 'public', 'platform-certs'),
    platformCert: (serial: string) => join(dataDir, 'public', 'platform-certs', `${serial}.pem`),
    publicKeyPrivatePem: join(dataDir, 'private', 'wechatpay-public-key.private.pem'),
    platformKey: (serial: string) => join(dataDir, 'private', 'platform-certs', `${serial}.key.pem`),
    merchantDir: join(dataDir, 'merchant'),
    merchantKey: join(dataDir, 'merchant', 'apiclient_key.pem'),
    merchantCert: join(dataDir, 'merchant', 'apiclient_cert.pem'),
    merchantSerial: join(dataDir, 'merchant', 'apiclient_serial.txt'),
    apiV3Key: join(dataDir, 'merchant', 'apiv3.key'),
  };
}
export type KeyPaths = ReturnType<typeof keyPaths>;

export async function newRsaKeyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return generateRsa('rsa', { modulusLength: 2048 });
}

export function privatePem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function publicPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A dev APIv3 key: 32 ASCII characters, as the merchant platform accepts. */
export function newApiV3KeyText(): string {
  let out = '';
  for (let i = 0; i < 32; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** `PUB_KEY_ID_` + 28 digits, like the merchant platform shows. */
export function newPublicKeyId(mchid: string): string {
  let digits = `01${mchid}`.slice(0, 16);
  while (digits.length < 28) digits += String(randomInt(10));
  return `PUB_KEY_ID_${digits}`;
}
