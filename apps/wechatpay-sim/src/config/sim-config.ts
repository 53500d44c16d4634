import { DevSwitches, refuseDevSwitches } from '@wxpay/runtime';
import { resolve } from 'node:path';
import { z } from 'zod';

export const KEY_MODES = ['certificate', 'public-key', 'migration'] as const;
export type KeyMode = (typeof KEY_MODES)[number];

/** Validated simulator settings. Secrets (APIv3 key) are kept out of `describeConfig`. */
export interface SimConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly mchid: string;
  readonly appid: string;
  /** Absent: generated on first start into the data dir (dev only). */
  readonly apiV3Key: string | undefined;
  /** Both absent: a dev merchant key pair and certificate are generated into the data dir. */
  readonly merchantPublicKeyFile: string | undefined;
  readonly merchantSerial: string | undefined;
  readonly keyMode: KeyMode;
  /** Migration mode: share of notifications signed with the public key (the rest with the certificate). */
  readonly migrationPublicKeyShare: number;
  /** Multiplies every simulated wait (retry schedule, refund completion, deduction); 0.001 runs 24 h in 87 s. */
  readonly timeScale: number;
  /** How long the merchant's webhook may take to answer (WeChat: 5 s). Not scaled. */
  readonly notifyTimeoutMs: number;
  readonly refundDelaySeconds: number;
  readonly deductionDelaySeconds: number;
  readonly defaultBalanceFen: number;
  /** When set, /sim/admin requires `Authorization: Bearer <token>`. */
  readonly adminToken: string | undefined;
  /** State is written to disk at most once per this many ms (and on shutdown); 0 = memory only. */
  readonly persistMs: number;
  /** WeChat requires https notify URLs; local services listen on http. */
  readonly allowHttpNotifyUrl: boolean;
  readonly logLevel: string;
}

export class SimConfigError extends Error {
  override readonly name = 'SimConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`wechatpay-sim configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  }
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const envSchema = z.object({
  WECHATPAY_SIM_HOST: z.string().min(1).default('127.0.0.1'),
  WECHATPAY_SIM_PORT: int(0, 65535).default(8090),
  WECHATPAY_SIM_DATA_DIR: z.string().min(1).default('.data/wechatpay-sim'),
  WECHATPAY_SIM_MCHID: z
    .string()
    .regex(/^\d{8,32}$/, 'must be 8–32 digits')
    .default('1900000109'),
  WECHATPAY_SIM_APPID: z
    .string()
    .regex(/^wx[0-9a-zA-Z]{16}$/, "must be 'wx' + 16 letters/digits")
    .default('wx8888888888888888'),
  WECHATPAY_SIM_APIV3_KEY: z
    .string()
    .refine(
      (v) => Buffer.byteLength(v, 'utf8') === 32,
      'must be exactly 32 bytes (check for stray spaces or newlines)',
    )
    .optional(),
  WECHATPAY_SIM_MERCHANT_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  WECHATPAY_SIM_MERCHANT_SERIAL: z
    .string()
    .regex(/^[0-9A-Fa-f]{8,64}$/, 'must be the hex certificate serial')
    .optional(),
  WECHATPAY_SIM_KEY_MODE: z.enum(KEY_MODES).default('public-key'),
  WECHATPAY_SIM_MIGRATION_PK_SHARE: z.coerce.number().min(0).max(1).default(0.5),
  WECHATPAY_SIM_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
  WECHATPAY_SIM_NOTIFY_TIMEOUT_MS: int(100, 60_000).default(5_000),
  WECHATPAY_SIM_REFUND_DELAY_SECONDS: z.coerce.number().min(0).max(86_400).default(3),
  WECHATPAY_SIM_DEDUCTION_DELAY_SECONDS: z.coerce.number().min(0).max(86_400).default(2),
  WECHATPAY_SIM_DEFAULT_BALANCE_FEN: int(0, Number.MAX_SAFE_INTEGER).default(1_000_000),
  WECHATPAY_SIM_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  WECHATPAY_SIM_ALLOW_HTTP_NOTIFY: bool.default(true),
  WECHATPAY_SIM_PERSIST_MS: z
    .union([z.literal('off').transform(() => 0), int(0, 3_600_000)], {
      error: "must be 'off' or milliseconds 0–3600000",
    })
    .default(500),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Reads the environment; every problem is reported at once, by variable name, never echoing secret values. */
export function loadSimConfig(env: NodeJS.ProcessEnv = process.env): SimConfig {
  refuseDevSwitches(
    'wechatpay-sim',
    [
      DevSwitches.unset(
        'WECHATPAY_SIM_ADMIN_TOKEN',
        'admin routes (keys, faults, contracts) without a token',
      ),
    ],
    env,
  );
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new SimConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  if (Boolean(e.WECHATPAY_SIM_MERCHANT_PUBLIC_KEY_FILE) !== Boolean(e.WECHATPAY_SIM_MERCHANT_SERIAL)) {
    throw new SimConfigError([
      'WECHATPAY_SIM_MERCHANT_PUBLIC_KEY_FILE and WECHATPAY_SIM_MERCHANT_SERIAL go together (or leave both unset to generate a dev merchant)',
    ]);
  }
  return {
    host: e.WECHATPAY_SIM_HOST,
    port: e.WECHATPAY_SIM_PORT,
    dataDir: resolve(e.WECHATPAY_SIM_DATA_DIR),
    mchid: e.WECHATPAY_SIM_MCHID,
    appid: e.WECHATPAY_SIM_APPID,
    apiV3Key: e.WECHATPAY_SIM_APIV3_KEY,
    merchantPublicKeyFile: e.WECHATPAY_SIM_MERCHANT_PUBLIC_KEY_FILE,
    merchantSerial: e.WECHATPAY_SIM_MERCHANT_SERIAL?.toUpperCase(),
    keyMode: e.WECHATPAY_SIM_KEY_MODE,
    migrationPublicKeyShare: e.WECHATPAY_SIM_MIGRATION_PK_SHARE,
    timeScale: e.WECHATPAY_SIM_TIME_SCALE,
    notifyTimeoutMs: e.WECHATPAY_SIM_NOTIFY_TIMEOUT_MS,
    refundDelaySeconds: e.WECHATPAY_SIM_REFUND_DELAY_SECONDS,
    deductionDelaySeconds: e.WECHATPAY_SIM_DEDUCTION_DELAY_SECONDS,
    defaultBalanceFen: e.WECHATPAY_SIM_DEFAULT_BALANCE_FEN,
    adminToken: e.WECHATPAY_SIM_ADMIN_TOKEN,
    allowHttpNotifyUrl: e.WECHATPAY_SIM_ALLOW_HTTP_NOTIFY,
    persistMs: e.WECHATPAY_SIM_PERSIST_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** For the startup log line: everything but secrets. */
export function describeConfig(c: SimConfig): Record<string, unknown> {
  const { apiV3Key: _secret, adminToken: _token, ...rest } = c;
  return { ...rest, apiV3KeySource: c.apiV3Key ? 'env' : 'data dir', adminTokenSet: Boolean(c.adminToken) };
}
