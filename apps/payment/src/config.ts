import { readFileSync } from 'fs';
import { ConfigError, env, parseEnv } from '@wxpay/runtime';
import { z } from 'zod';

export const SERVICE_NAME = 'payment';

export const RISK_UNAVAILABLE_POLICIES = ['fail-closed', 'fail-open-review'] as const;
export type RiskUnavailablePolicy = (typeof RISK_UNAVAILABLE_POLICIES)[number];

const hexSerial = z
  .string()
  .regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the hex serial of the merchant API certificate');

/**
 * Every variable of the payment service. WeChat Pay's follow ARCHITECTURE.md; WECHATPAY_APIV3_KEY may come from a
 * file instead (WECHATPAY_APIV3_KEY_FILE) so the secret stays out of the process environment.
 */
const schema = z.object({
  PAYMENT_HTTP_HOST: env.host(),
  PAYMENT_HTTP_PORT: env.port(8080),
  PAYMENT_GRPC_HOST: env.host(),
  PAYMENT_GRPC_PORT: env.port(50051),

  WECHATPAY_MCHID: z.string().regex(/^\d{8,32}$/, 'must be the 8–32 digit merchant number'),
  WECHATPAY_APPID: z.string().regex(/^wx[0-9a-zA-Z]{16}$/, "must be 'wx' + 16 letters/digits"),
  WECHATPAY_APIV3_KEY: z
    .string()
    .refine((v) => Buffer.byteLength(v, 'utf8') === 32, 'must be exactly 32 bytes')
    .optional(),
  WECHATPAY_APIV3_KEY_FILE: z.string().min(1).optional(),
  WECHATPAY_MERCHANT_KEY_FILE: z.string().min(1, 'the merchant API private key (apiclient_key.pem)'),
  WECHATPAY_MERCHANT_SERIAL: hexSerial,
  WECHATPAY_PUBLIC_KEY_ID: z
    .string()
    .regex(/^PUB_KEY_ID_\d+$/, 'must look like PUB_KEY_ID_0114…')
    .optional(),
  WECHATPAY_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  WECHATPAY_PLATFORM_CERTS_DIR: z.string().min(1).optional(),
  WECHATPAY_BASE_URL: z.url().default('https://api.mch.weixin.qq.com'),
  /** Where WeChat Pay reaches our webhooks (no query string); defaults to this service's HTTP address. */
  WECHATPAY_NOTIFY_BASE_URL: z.url().optional(),
  WECHATPAY_ATTEMPT_TIMEOUT_MS: env.durationMs(5000),
  WECHATPAY_DEADLINE_MS: env.durationMs(12_000),

  TOKENIZATION_GRPC_ADDRESS: z.string().min(1).default('127.0.0.1:50052'),
  VAULT_DEADLINE_MS: env.durationMs(2000),
  RISK_GRPC_ADDRESS: z.string().min(1).default('127.0.0.1:50053'),
  RISK_DEADLINE_MS: env.durationMs(150),
  RISK_UNAVAILABLE_POLICY: z.enum(RISK_UNAVAILABLE_POLICIES).default('fail-closed'),

  /** Time the payer has to confirm; then the order is closed and the hold released (WeChat Pay minimum 60 s). */
  PAYMENT_ORDER_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86400)
    .default(900),
  PAYMENT_JANITOR_INTERVAL_MS: env.durationMs(2000),
  /** A payment waiting for its payer longer than this is checked with an order query (no notification yet). */
  PAYMENT_AWAITING_POLL_MS: env.durationMs(10_000),
  PAYMENT_LEASE_MS: env.durationMs(30_000),
  PAYMENT_WEBHOOK_WORKERS: z.coerce.number().int().min(1).max(32).default(4),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(48),
  /** Daily reconciliation of the previous day, HH:MM Asia/Shanghai, or "off". */
  PAYMENT_RECON_AT: z
    .string()
    .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'must be HH:MM or off')
    .default('02:30'),

  /** The UnionPay switch (TLS, mutual, with the PKI_DIR or UNIONPAY_TLS_* material). */
  UNIONPAY_CHANNEL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port')
    .default('127.0.0.1:8583'),
  /** Institution codes, zone key and SM2 keys from the key ceremony (dev: written by the simulator). */
  UNIONPAY_ACQUIRER_BUNDLE: z.string().min(1, 'the acquirer bundle file (institution codes and keys)'),
  UNIONPAY_TLS_CA: z.string().min(1).optional(),
  UNIONPAY_TLS_CERT: z.string().min(1).optional(),
  UNIONPAY_TLS_KEY: z.string().min(1).optional(),
  /** The name the switch's certificate is checked against (an IP address cannot be a TLS server name). */
  UNIONPAY_TLS_SERVERNAME: z.string().min(1).default('unionpay-sim'),
  UNIONPAY_TERMINAL_ID: z
    .string()
    .regex(/^[0-9A-Za-z]{8}$/, 'must be 8 letters/digits')
    .default('PAY00001'),
  UNIONPAY_MERCHANT_ID: z
    .string()
    .regex(/^[0-9A-Za-z]{15}$/, 'must be 15 letters/digits')
    .default('898440000000001'),
  UNIONPAY_MERCHANT_TYPE: z
    .string()
    .regex(/^\d{4}$/, 'must be a 4-digit MCC')
    .default('5399'),
  UNIONPAY_CONNECTIONS: z.coerce.number().int().min(1).max(16).default(2),
  /** Acquirer timeout: an unanswered request is reversed by the channel client after this. */
  UNIONPAY_TIMEOUT_MS: env.durationMs(5000),
  /** Where the daily settlement file is fetched (the simulator's admin HTTP in dev). */
  UNIONPAY_SETTLEMENT_URL: z.url().default('http://127.0.0.1:8091'),
  PKI_DIR: z.string().min(1).default('.data/pki'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type PaymentConfig = z.infer<typeof schema>;

/** Rules across variables, checked on the raw values so they are reported with the field problems. */
function crossProblems(e: NodeJS.ProcessEnv): string[] {
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
export function withDevBundle(source: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const file = source.WECHATPAY_DEV_BUNDLE;
  if (!file) return source;
  let bundle: Record<string, unknown>;
  try {
    bundle = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return source; // parseEnv then names every variable that is still missing.
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

/** Reads and validates the environment; a ConfigError lists every problem by variable name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): PaymentConfig {
  const present = Object.fromEntries(Object.entries(withDevBundle(source)).filter(([, v]) => v !== ''));
  const cross = crossProblems(present);
  let config: PaymentConfig;
  try {
    config = parseEnv(SERVICE_NAME, schema, present);
  } catch (e) {
    if (e instanceof ConfigError && cross.length)
      throw new ConfigError(SERVICE_NAME, [...e.problems, ...cross]);
    throw e;
  }
  if (cross.length) throw new ConfigError(SERVICE_NAME, cross);
  return config;
}

export function notifyBaseUrl(config: PaymentConfig): string {
  return (
    config.WECHATPAY_NOTIFY_BASE_URL ?? `http://${config.PAYMENT_HTTP_HOST}:${config.PAYMENT_HTTP_PORT}`
  ).replace(/\/$/, '');
}
