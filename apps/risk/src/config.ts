import { ConfigError, DevSwitches, env, parseEnv, refuseDevSwitches } from '@wxpay/runtime';
import { join } from 'path';
import { z } from 'zod';
import { FxRateError, parseFxRates, type FxRates } from './domain/engine/fx-rates';

/** Folder of the rule files; the same relative place in src and dist (JSON files are copied by the build). */
export const RULES_DIR = join(__dirname, '..', 'rules');

const schema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
  RISK_HTTP_HOST: env.host(),
  RISK_HTTP_PORT: env.port(8083),
  RISK_GRPC_HOST: env.host(),
  RISK_GRPC_PORT: env.port(50053),
  RISK_RULES_FILE: z.string().min(1).default(join(RULES_DIR, 'default.json')),
  /** A candidate rule set evaluated beside the live one (shadow mode); unset or missing file = none. */
  RISK_SHADOW_RULES_FILE: z.string().default(''),
  RISK_RULES_WATCH: env.flag(true),
  RISK_DECISION_DURABILITY: z.enum(['async', 'sync']).default('async'),
  RISK_DECISION_FLUSH_MS: env.durationMs(10),
  RISK_DECISION_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  RISK_DECISION_BUFFER_MAX: z.coerce.number().int().min(100).default(20_000),
  /**
   * thread: decisions are written, and the outbox relay runs, in a worker thread beside the Evaluate event loop;
   * inline: on the event loop itself (as before; for debugging).
   */
  RISK_DECISION_STORE: z.enum(['thread', 'inline']).default('thread'),
  RISK_MAX_FUTURE_SKEW_MS: env.durationMs(5 * 60_000),
  RISK_MAX_EVENT_AGE_MS: env.durationMs(60 * 60_000),
  RISK_WINDOW_MAX_KEYS: z.coerce.number().int().min(1000).default(500_000),
  RISK_FX_RATES: z.string().default(''),
  /** Consume the lifecycle topics (off for an Evaluate-only replica, or a local run without them). */
  RISK_STREAM: env.flag(true),
  RISK_CONSUMER_GROUP: z.string().min(1).default('risk'),
  RISK_CONSUMER_CHUNK: z.coerce.number().int().min(1).max(5000).default(500),
  /** The producers' public keys (JSON); required to consume: events are acted on only when signed by their producer. */
  EVENT_SIGNERS_FILE: z.string().min(1).optional(),
  RISK_LIST_REFRESH_MS: env.durationMs(10_000),
  TOKENIZATION_GRPC_ADDR: z.string().min(1).default('127.0.0.1:50052'),
});

export interface RiskConfig {
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  httpHost: string;
  httpPort: number;
  grpcAddress: string;
  rulesFile: string;
  shadowRulesFile?: string;
  watchRules: boolean;
  durability: 'async' | 'sync';
  flushIntervalMs: number;
  batchSize: number;
  maxBuffered: number;
  decisionStore: 'thread' | 'inline';
  maxFutureSkewMs: number;
  maxEventAgeMs: number;
  maxKeysPerEntity: number;
  fx: FxRates;
  stream: boolean;
  consumerGroup: string;
  consumerChunk: number;
  /** EVENT_SIGNERS_FILE: the lifecycle consumer refuses to start without it. */
  signersFile?: string;
  listRefreshMs: number;
  tokenizationAddress: string;
}

export function loadRiskConfig(source: NodeJS.ProcessEnv = process.env): RiskConfig {
  refuseDevSwitches('risk', [DevSwitches.plaintextGrpc], source);
  const e = parseEnv('risk', schema, source);
  let fx: FxRates;
  try {
    fx = parseFxRates(e.RISK_FX_RATES);
  } catch (err) {
    if (err instanceof FxRateError) throw new ConfigError('risk', [err.message]);
    throw err;
  }
  return {
    logLevel: e.LOG_LEVEL,
    httpHost: e.RISK_HTTP_HOST,
    httpPort: e.RISK_HTTP_PORT,
    grpcAddress: `${e.RISK_GRPC_HOST}:${e.RISK_GRPC_PORT}`,
    rulesFile: e.RISK_RULES_FILE,
    ...(e.RISK_SHADOW_RULES_FILE ? { shadowRulesFile: e.RISK_SHADOW_RULES_FILE } : {}),
    watchRules: e.RISK_RULES_WATCH,
    durability: e.RISK_DECISION_DURABILITY,
    flushIntervalMs: e.RISK_DECISION_FLUSH_MS,
    batchSize: e.RISK_DECISION_BATCH,
    maxBuffered: e.RISK_DECISION_BUFFER_MAX,
    decisionStore: e.RISK_DECISION_STORE,
    maxFutureSkewMs: e.RISK_MAX_FUTURE_SKEW_MS,
    maxEventAgeMs: e.RISK_MAX_EVENT_AGE_MS,
    maxKeysPerEntity: e.RISK_WINDOW_MAX_KEYS,
    fx,
    stream: e.RISK_STREAM,
    consumerGroup: e.RISK_CONSUMER_GROUP,
    consumerChunk: e.RISK_CONSUMER_CHUNK,
    ...(e.EVENT_SIGNERS_FILE ? { signersFile: e.EVENT_SIGNERS_FILE } : {}),
    listRefreshMs: e.RISK_LIST_REFRESH_MS,
    tokenizationAddress: e.TOKENIZATION_GRPC_ADDR,
  };
}
