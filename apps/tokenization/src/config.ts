import { Topics } from '@wxpay/contracts';
import { DevSwitches, env, parseEnv, refuseDevSwitches } from '@wxpay/runtime';
import { z } from 'zod';

export const SERVICE_NAME = 'tokenization';

const kekVersion = z.coerce.number().int().min(1).max(9999);

/** A list of key versions (KEKs, fingerprint keys), sorted and without repeats. */
const versionList = () =>
  env
    .list('1')
    .pipe(z.array(z.string().regex(/^[1-9]\d{0,3}$/, 'must list versions 1-9999, e.g. 1,2')).min(1))
    .transform((versions) => [...new Set(versions.map(Number))].sort((a, b) => a - b));

const schema = z
  .object({
    TOKENIZATION_GRPC_HOST: env.host(),
    TOKENIZATION_GRPC_PORT: env.port(50052),
    TOKENIZATION_HTTP_HOST: env.host(),
    TOKENIZATION_HTTP_PORT: env.port(8082),
    GRPC_TLS: env.flag(true),
    /** Development only: lets plaintext callers (GRPC_TLS=off) detokenize; logged loudly at start. */
    TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE: env.flag(false),
    /** Development only: generate missing key shares into TOKENIZATION_KEY_DIR. Off means production rules. */
    TOKENIZATION_DEV_KEYS: env.flag(false),
    TOKENIZATION_KEY_DIR: z.string().min(1).default('.data/tokenization/keys'),
    /** Every KEK version the process must load (all versions that still wrap data keys, plus the current one). */
    TOKENIZATION_KEK_VERSIONS: versionList(),
    /** The version new data keys are wrapped with; defaults to the highest loaded version. */
    TOKENIZATION_KEK_CURRENT: kekVersion.optional(),
    /** Every fingerprint key version to load: the current one, plus older ones until their fingerprints moved. */
    TOKENIZATION_FINGERPRINT_VERSIONS: versionList(),
    /** The version new cards are fingerprinted under; defaults to the highest loaded version. */
    TOKENIZATION_FINGERPRINT_CURRENT: kekVersion.optional(),
    /** A JSON BIN table replacing the built-in sample (see cards/sample-bin-table.ts for the format). */
    TOKENIZATION_BIN_TABLE_FILE: z.string().min(1).optional(),
    /** Unwrapped data keys kept in memory; 0 turns the cache off. */
    TOKENIZATION_DEK_CACHE_ENTRIES: z.coerce.number().int().min(0).max(1_000_000).default(10_000),
    TOKENIZATION_DEK_CACHE_TTL_MS: env.durationMs(60_000),
    /** Start the re-wrap job by itself when data keys are wrapped under a KEK other than the current one. */
    TOKENIZATION_ROTATION_AUTO: env.flag(true),
    TOKENIZATION_ROTATION_BATCH: z.coerce.number().int().min(1).max(10_000).default(200),
    /** Pause between re-wrap batches, to leave the database to live traffic. */
    TOKENIZATION_ROTATION_PAUSE_MS: env.durationMs(0),
    /** Database connections; detokenize reads and audit group commits share them. */
    TOKENIZATION_DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
    /**
     * Where the audit chain's head is written outside the database (append-only, synced; also logged), and how
     * often when it moved. The verifier needs the file to tell a cut tail.
     */
    TOKENIZATION_AUDIT_CHECKPOINT_FILE: z
      .string()
      .min(1)
      .default('.data/tokenization/audit-checkpoints.jsonl'),
    TOKENIZATION_AUDIT_CHECKPOINT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
    /** A syslog collector (SIEM) the checkpoints also go to, `udp://host:port` (RFC 5424). */
    TOKENIZATION_AUDIT_SYSLOG: z
      .string()
      .regex(/^udp:\/\/[^/:]+(:\d{1,5})?$/, 'must be udp://host:port')
      .optional(),
    /** Where card lifecycle events go; tests and benchmarks point it at a topic of their own. */
    TOKENIZATION_EVENTS_TOPIC: z.string().min(1).default(Topics.cardsLifecycle.name),
    /** How long an idempotency key's first answer is kept (and replayed). */
    TOKENIZATION_IDEMPOTENCY_RETENTION_MS: env.durationMs(7 * 24 * 3600_000),
  })
  .superRefine((c, ctx) => {
    const currentIn = (current: number | undefined, versions: number[], variable: string, list: string) => {
      if (current !== undefined && !versions.includes(current)) {
        ctx.addIssue({ code: 'custom', path: [variable], message: `must be one of ${list}` });
      }
    };
    currentIn(
      c.TOKENIZATION_KEK_CURRENT,
      c.TOKENIZATION_KEK_VERSIONS,
      'TOKENIZATION_KEK_CURRENT',
      'TOKENIZATION_KEK_VERSIONS',
    );
    currentIn(
      c.TOKENIZATION_FINGERPRINT_CURRENT,
      c.TOKENIZATION_FINGERPRINT_VERSIONS,
      'TOKENIZATION_FINGERPRINT_CURRENT',
      'TOKENIZATION_FINGERPRINT_VERSIONS',
    );
    if (c.TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE && !c.TOKENIZATION_DEV_KEYS) {
      ctx.addIssue({
        code: 'custom',
        path: ['TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE'],
        message: 'is a development flag and needs TOKENIZATION_DEV_KEYS=on (never with production keys)',
      });
    }
  });

export interface VaultConfig {
  grpc: { host: string; port: number; tls: boolean };
  http: { host: string; port: number };
  allowPlaintextDetokenize: boolean;
  keys: {
    devGenerate: boolean;
    dir: string;
    kekVersions: readonly number[];
    currentKekVersion: number;
    fingerprintVersions: readonly number[];
    currentFingerprintVersion: number;
  };
  binTableFile?: string;
  dekCache: { entries: number; ttlMs: number };
  rotation: { auto: boolean; batchSize: number; pauseMs: number };
  idempotencyRetentionMs: number;
  auditCheckpoint: { file: string; everyMs: number; syslog?: string };
  eventsTopic: string;
  databasePoolSize: number;
}

/** Reads and checks every setting at once; a ConfigError lists each problem with its variable. */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): VaultConfig {
  refuseDevSwitches(
    SERVICE_NAME,
    [
      DevSwitches.plaintextGrpc,
      DevSwitches.flag('TOKENIZATION_DEV_KEYS', 'key shares generated on this machine, both in one folder'),
      DevSwitches.flag(
        'TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE',
        'card numbers handed to unauthenticated plaintext callers',
      ),
    ],
    environment,
  );
  const c = parseEnv(SERVICE_NAME, schema, environment);
  return {
    grpc: { host: c.TOKENIZATION_GRPC_HOST, port: c.TOKENIZATION_GRPC_PORT, tls: c.GRPC_TLS },
    http: { host: c.TOKENIZATION_HTTP_HOST, port: c.TOKENIZATION_HTTP_PORT },
    allowPlaintextDetokenize: c.TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE,
    keys: {
      devGenerate: c.TOKENIZATION_DEV_KEYS,
      dir: c.TOKENIZATION_KEY_DIR,
      kekVersions: c.TOKENIZATION_KEK_VERSIONS,
      currentKekVersion:
        c.TOKENIZATION_KEK_CURRENT ?? c.TOKENIZATION_KEK_VERSIONS[c.TOKENIZATION_KEK_VERSIONS.length - 1]!,
      fingerprintVersions: c.TOKENIZATION_FINGERPRINT_VERSIONS,
      currentFingerprintVersion:
        c.TOKENIZATION_FINGERPRINT_CURRENT ??
        c.TOKENIZATION_FINGERPRINT_VERSIONS[c.TOKENIZATION_FINGERPRINT_VERSIONS.length - 1]!,
    },
    binTableFile: c.TOKENIZATION_BIN_TABLE_FILE,
    dekCache: { entries: c.TOKENIZATION_DEK_CACHE_ENTRIES, ttlMs: c.TOKENIZATION_DEK_CACHE_TTL_MS },
    rotation: {
      auto: c.TOKENIZATION_ROTATION_AUTO,
      batchSize: c.TOKENIZATION_ROTATION_BATCH,
      pauseMs: c.TOKENIZATION_ROTATION_PAUSE_MS,
    },
    idempotencyRetentionMs: c.TOKENIZATION_IDEMPOTENCY_RETENTION_MS,
    auditCheckpoint: {
      file: c.TOKENIZATION_AUDIT_CHECKPOINT_FILE,
      everyMs: c.TOKENIZATION_AUDIT_CHECKPOINT_MS,
      syslog: c.TOKENIZATION_AUDIT_SYSLOG,
    },
    eventsTopic: c.TOKENIZATION_EVENTS_TOPIC,
    databasePoolSize: c.TOKENIZATION_DATABASE_POOL_SIZE,
  };
}
