import { DevSwitches, env, parseEnvWithRules, refuseDevSwitches } from '@wxpay/runtime';
import { unionPayChannelEnvShape } from '@wxpay/unionpay';
import {
  wechatPayMerchantEnvProblems,
  wechatPayMerchantEnvShape,
  wechatPayDevSwitches,
  withWechatPayDevBundle,
} from '@wxpay/wechatpay';
import { z } from 'zod';

export const SERVICE_NAME = 'repayment';

const timeOfDay = (fallback: string) =>
  z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (Beijing time)')
    .default(fallback);

/** Every variable of the repayment service; WeChat Pay's and UnionPay's are the shared ones of their libs. */
const schema = z.object({
  REPAYMENT_HTTP_HOST: env.host(),
  REPAYMENT_HTTP_PORT: env.port(8084),
  REPAYMENT_GRPC_HOST: env.host(),
  REPAYMENT_GRPC_PORT: env.port(50054),
  ...wechatPayMerchantEnvShape,
  ...unionPayChannelEnvShape,
  /** Where WeChat Pay delivers papay notifications: the payment service's webhook (it forwards them to Kafka). */
  REPAYMENT_NOTIFY_URL: z.url().default('http://127.0.0.1:8080/notify/wechatpay/papay'),
  TOKENIZATION_GRPC_ADDRESS: z.string().min(1).default('127.0.0.1:50052'),
  VAULT_DEADLINE_MS: env.durationMs(2000),

  /** `controllable`: business time is set over HTTP (tests, demos); never in production. */
  REPAYMENT_CLOCK: z.enum(['system', 'controllable']).default('system'),
  REPAYMENT_DEFAULT_DAYS_BEFORE_DUE: z.coerce.number().int().min(0).max(10).default(3),
  /** Beijing times of day: the notice (inside WeChat Pay's 07:00–22:00), deductions, the last chance. */
  REPAYMENT_NOTICE_AT: timeOfDay('10:00'),
  REPAYMENT_DEDUCT_AT: timeOfDay('09:00'),
  REPAYMENT_LAST_CHANCE_AT: timeOfDay('10:00'),
  /** No deduction after this time on the due date. */
  REPAYMENT_CUTOFF_AT: timeOfDay('20:00'),
  /** Failed full-amount attempts (insufficient balance) before falling back to the minimum due. */
  REPAYMENT_FULL_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3),
  /** A deduction without a notification after this long is queried at WeChat Pay (business time). */
  REPAYMENT_CHECK_AFTER_MS: env.durationMs(10 * 60_000),

  /**
   * Deductions asked of WeChat Pay and not yet answered above which no new one is started. On a due date the
   * whole billing cycle is due at once: sent as fast as the scheduler can, deductions outrun their results (which
   * must come back and be applied), and every one left unanswered becomes a CHECK query. Results, checks and
   * postings go on meanwhile; new deductions resume as results come in.
   */
  REPAYMENT_MAX_DEDUCTIONS_IN_FLIGHT: z.coerce.number().int().min(1).default(2000),
  REPAYMENT_SCHEDULER_POLL_MS: env.durationMs(1000),
  REPAYMENT_SCHEDULER_BATCH: z.coerce.number().int().min(1).max(5000).default(200),
  REPAYMENT_SCHEDULER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Lease of a claimed job, renewed every third of it while it runs; unrenewed this long, another replica takes it. */
  REPAYMENT_JOB_LEASE_MS: env.durationMs(60_000),
  REPAYMENT_CONSUMER_GROUP: z.string().min(1).default('repayment'),
  /** StatementIssued events applied per transaction (a due date brings a whole billing cycle at once). */
  REPAYMENT_CONSUMER_CHUNK: z.coerce.number().int().min(1).max(2000).default(200),
  /** The producers' public keys (JSON); required: statements and notifications are acted on only when signed. */
  EVENT_SIGNERS_FILE: z.string().min(1).optional(),
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().int().min(24).default(48),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type RepaymentConfig = z.infer<typeof schema>;

/** Reads and validates the environment; a ConfigError lists every problem by variable name. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): RepaymentConfig {
  refuseDevSwitches(
    SERVICE_NAME,
    [
      DevSwitches.plaintextGrpc,
      ...wechatPayDevSwitches,
      {
        variable: 'REPAYMENT_CLOCK',
        isOn: (v) => v === 'controllable',
        what: 'business time moved by anyone over POST /admin/clock',
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
