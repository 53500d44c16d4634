import { DevSwitches, env, parseEnvWithRules, refuseDevSwitches } from '@wxpay/runtime';
import { unionPayChannelEnvShape } from '@wxpay/unionpay';
import {
  wechatPayMerchantEnvProblems,
  wechatPayDevSwitches,
  wechatPayMerchantEnvShape,
  withWechatPayDevBundle,
} from '@wxpay/wechatpay';
import { z } from 'zod';

export const SERVICE_NAME = 'payment';

export const RISK_UNAVAILABLE_POLICIES = ['fail-closed', 'fail-open-review'] as const;
export type RiskUnavailablePolicy = (typeof RISK_UNAVAILABLE_POLICIES)[number];

/**
 * Every variable of the payment service. WeChat Pay's follow ARCHITECTURE.md; WECHATPAY_APIV3_KEY may come from a
 * file instead (WECHATPAY_APIV3_KEY_FILE) so the secret stays out of the process environment.
 */
const schema = z.object({
  PAYMENT_HTTP_HOST: env.host(),
  PAYMENT_HTTP_PORT: env.port(8080),
  PAYMENT_GRPC_HOST: env.host(),
  PAYMENT_GRPC_PORT: env.port(50051),

  ...wechatPayMerchantEnvShape,
  /** Where WeChat Pay reaches our webhooks (no query string); defaults to this service's HTTP address. */
  WECHATPAY_NOTIFY_BASE_URL: z.url().optional(),

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
  /** A request (a webhook's body included) not received in full within this is cut (408, connection closed). */
  PAYMENT_HTTP_REQUEST_TIMEOUT_MS: env.durationMs(10_000),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(48),
  /** Daily reconciliation of the previous day, HH:MM Asia/Shanghai, or "off" (once across replicas: recon_schedule). */
  PAYMENT_RECON_AT: z
    .string()
    .regex(/^(off|([01]\d|2[0-3]):[0-5]\d)$/, 'must be HH:MM or off')
    .default('02:30'),

  ...unionPayChannelEnvShape,
  /** Where the daily settlement file is fetched (the simulator's admin HTTP in dev). */
  UNIONPAY_SETTLEMENT_URL: z.url().default('http://127.0.0.1:8091'),
  /** Bearer token sent with the settlement file request (the simulator's UNIONPAY_SIM_ADMIN_TOKEN). */
  UNIONPAY_SETTLEMENT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type PaymentConfig = z.infer<typeof schema>;

/** Reads and validates the environment; a ConfigError lists every problem by variable name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): PaymentConfig {
  refuseDevSwitches(
    SERVICE_NAME,
    [
      DevSwitches.plaintextGrpc,
      ...wechatPayDevSwitches,
      {
        variable: 'UNIONPAY_SETTLEMENT_URL',
        isOn: (v) => !v || /^http:/i.test(v),
        what: "settlement files over plain HTTP (unset, it is the simulator's address)",
      },
    ],
    source,
  );
  return parseEnvWithRules(
    SERVICE_NAME,
    schema,
    withWechatPayDevBundle(source),
    wechatPayMerchantEnvProblems,
  );
}

export function notifyBaseUrl(config: PaymentConfig): string {
  return (
    config.WECHATPAY_NOTIFY_BASE_URL ?? `http://${config.PAYMENT_HTTP_HOST}:${config.PAYMENT_HTTP_PORT}`
  ).replace(/\/$/, '');
}
