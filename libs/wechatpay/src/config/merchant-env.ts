import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { WechatPayClient } from '../client/wechatpay-client';
import { WechatPayKeyStore } from '../verification/key-store';

/*
 * The WeChat Pay merchant settings every service that calls WeChat Pay reads from its environment (names as in
 * ARCHITECTURE.md), so the payment and repayment services validate and load them the same way.
 */

const duration = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

/** Zod fields keyed by variable name; spread into a service's own environment schema. */
export const wechatPayMerchantEnvShape = {
  WECHATPAY_MCHID: z.string().regex(/^\d{8,32}$/, 'must be the 8–32 digit merchant number'),
  WECHATPAY_APPID: z.string().regex(/^wx[0-9a-zA-Z]{16}$/, "must be 'wx' + 16 letters/digits"),
  WECHATPAY_APIV3_KEY: z
    .string()
    .refine((v) => Buffer.byteLength(v, 'utf8') === 32, 'must be exactly 32 bytes')
    .optional(),
  /** The APIv3 key from a file, so the secret stays out of the process environment. */
  WECHATPAY_APIV3_KEY_FILE: z.string().min(1).optional(),
  WECHATPAY_MERCHANT_KEY_FILE: z.string().min(1, 'the merchant API private key (apiclient_key.pem)'),
  WECHATPAY_MERCHANT_SERIAL: z
    .string()
    .regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the hex serial of the merchant API certificate'),
  WECHATPAY_PUBLIC_KEY_ID: z
    .string()
    .regex(/^PUB_KEY_ID_\d+$/, 'must look like PUB_KEY_ID_0114…')
    .optional(),
  WECHATPAY_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  WECHATPAY_PLATFORM_CERTS_DIR: z.string().min(1).optional(),
  WECHATPAY_BASE_URL: z.url().default('https://api.mch.weixin.qq.com'),
  WECHATPAY_ATTEMPT_TIMEOUT_MS: duration(5000),
  WECHATPAY_DEADLINE_MS: duration(12_000),
};

/**
 * The WeChat Pay settings only a developer's machine may use (refused outside GATEWAY_ENV=development by the
 * services, through @wxpay/runtime's refuseDevSwitches): the simulator's generated merchant bundle, and a WeChat
 * Pay address over plain HTTP, which would carry signed orders and the payer's data unencrypted.
 */
export const wechatPayDevSwitches = [
  {
    variable: 'WECHATPAY_DEV_BUNDLE',
    isOn: (v: string | undefined) => !!v,
    what: "the simulator's generated merchant keys",
  },
  {
    variable: 'WECHATPAY_BASE_URL',
    isOn: (v: string | undefined) => !!v && /^http:/i.test(v),
    what: 'WeChat Pay over plain HTTP',
  },
] as const;

export type WechatPayMerchantEnv = z.infer<z.ZodObject<typeof wechatPayMerchantEnvShape>>;

export class WechatPayKeyFileError extends Error {
  override readonly name = 'WechatPayKeyFileError';
}

/** Rules across variables, checked on the raw values so they are reported beside the field problems. */
export function wechatPayMerchantEnvProblems(e: NodeJS.ProcessEnv): string[] {
  const problems: string[] = [];
  if (!e.WECHATPAY_APIV3_KEY === !e.WECHATPAY_APIV3_KEY_FILE) {
    problems.push('WECHATPAY_APIV3_KEY: set exactly one of WECHATPAY_APIV3_KEY and WECHATPAY_APIV3_KEY_FILE');
  }
  if (!e.WECHATPAY_PUBLIC_KEY_ID !== !e.WECHATPAY_PUBLIC_KEY_FILE) {
    problems.push(
      'WECHATPAY_PUBLIC_KEY_ID: WECHATPAY_PUBLIC_KEY_ID and WECHATPAY_PUBLIC_KEY_FILE go together',
    );
  }
  if (!e.WECHATPAY_PUBLIC_KEY_FILE && !e.WECHATPAY_PLATFORM_CERTS_DIR) {
    problems.push(
      'WECHATPAY_PUBLIC_KEY_FILE: configure the WeChat Pay public key (WECHATPAY_PUBLIC_KEY_ID + _FILE) and/or WECHATPAY_PLATFORM_CERTS_DIR',
    );
  }
  return problems;
}

/**
 * Development only: WECHATPAY_DEV_BUNDLE names the simulator's merchant-bundle.json, whose values fill the
 * WeChat Pay variables left unset (the simulator generates the keys on its first start).
 */
export function withWechatPayDevBundle(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = source.WECHATPAY_DEV_BUNDLE;
  if (!file) return source;
  let bundle: Record<string, unknown>;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return source; // the schema then names every variable that is still missing
  }
  const str = (key: string) => (typeof bundle[key] === 'string' ? (bundle[key] as string) : undefined);
  const defaults: Record<string, string | undefined> = {
    WECHATPAY_MCHID: str('mchid'),
    WECHATPAY_APPID: str('appid'),
    WECHATPAY_MERCHANT_SERIAL: str('merchantSerial'),
    WECHATPAY_MERCHANT_KEY_FILE: str('merchantPrivateKeyFile'),
    WECHATPAY_PUBLIC_KEY_ID: str('publicKeyId'),
    WECHATPAY_PUBLIC_KEY_FILE: str('publicKeyFile'),
  };
  if (!source.WECHATPAY_APIV3_KEY && !source.WECHATPAY_APIV3_KEY_FILE) {
    defaults.WECHATPAY_APIV3_KEY_FILE = str('apiV3KeyFile');
  }
  const merged: NodeJS.ProcessEnv = { ...source };
  for (const [k, v] of Object.entries(defaults)) if (!merged[k] && v) merged[k] = v;
  return merged;
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new WechatPayKeyFileError(`cannot read ${what} at ${file}`);
  }
}

/**
 * The client from validated settings: the merchant key signs our calls; the WeChat Pay public key and/or the
 * platform certificates verify answers and notifications (both during a migration). Certificate mode also
 * refreshes the certificates (rate-limited) when an unknown serial shows up.
 */
export function createWechatPayClientFromEnv(config: WechatPayMerchantEnv): WechatPayClient {
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
