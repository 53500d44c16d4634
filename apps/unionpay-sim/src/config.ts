import { type LogLevel } from '@wxpay/observability';
import { DevSwitches, env, parseEnv, refuseDevSwitches } from '@wxpay/runtime';
import { z } from 'zod';

export const SERVICE = 'unionpay-sim';

const schema = z.object({
  UNIONPAY_SIM_TLS_HOST: env.host(),
  UNIONPAY_SIM_TLS_PORT: env.port(8583),
  UNIONPAY_SIM_HTTP_HOST: env.host(),
  UNIONPAY_SIM_HTTP_PORT: env.port(8091),
  /** Keys (keys/), settlement files (settlement/). */
  UNIONPAY_SIM_DATA_DIR: z.string().min(1).default('.data/unionpay-sim'),
  /**
   * Generate the zone key, SM2 key pairs and the dev acquirer bundle on first start. Off: they must exist. On by
   * default in development (GATEWAY_ENV), off otherwise.
   */
  UNIONPAY_SIM_DEV_KEYS: env.optionalFlag(),
  /** Bearer token of the admin routes (/admin: keys, institutions, accounts, faults, settlement files). */
  UNIONPAY_SIM_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  UNIONPAY_SIM_SWITCH_ID: z
    .string()
    .regex(/^[0-9]{8,11}$/)
    .default('00010000'),
  /** The acquirer registered automatically with the dev keys (the gateway's institution code). */
  UNIONPAY_SIM_DEV_ACQUIRER_ID: z
    .string()
    .regex(/^[0-9]{8,11}$/)
    .default('49990000'),
  PKI_DIR: z.string().min(1).default('.data/pki'),
  /** Certificate/key names in PKI_DIR: <identity>.crt / <identity>.key (from sim-ca), plus ca.crt for clients. */
  UNIONPAY_SIM_TLS_IDENTITY: z.string().min(1).default('unionpay-sim'),
  /** Most requests the issuer applies in one database transaction. */
  UNIONPAY_SIM_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(256),
  /**
   * on: every issuer batch waits for its WAL flush. off (default): asynchronous commit — the simulator survives
   * its own restarts unchanged; only a PostgreSQL crash can lose the last fraction of a second of requests.
   */
  UNIONPAY_SIM_SYNC_COMMIT: env.flag(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface SimConfig {
  tlsHost: string;
  tlsPort: number;
  httpHost: string;
  httpPort: number;
  dataDir: string;
  devKeys: boolean;
  /** Empty when the admin routes are open (development only). */
  adminToken: string;
  switchId: string;
  devAcquirerId: string;
  pkiDir: string;
  tlsIdentity: string;
  batchMax: number;
  syncCommit: boolean;
  logLevel: LogLevel;
}

export function loadSimConfig(source: NodeJS.ProcessEnv = process.env): SimConfig {
  const mode = refuseDevSwitches(
    SERVICE,
    [
      DevSwitches.flag('UNIONPAY_SIM_DEV_KEYS', 'zone and institution keys generated on this machine'),
      DevSwitches.unset(
        'UNIONPAY_SIM_ADMIN_TOKEN',
        'admin routes (institution keys, faults) without a token',
      ),
    ],
    source,
  );
  const e = parseEnv(SERVICE, schema, source);
  return {
    tlsHost: e.UNIONPAY_SIM_TLS_HOST,
    tlsPort: e.UNIONPAY_SIM_TLS_PORT,
    httpHost: e.UNIONPAY_SIM_HTTP_HOST,
    httpPort: e.UNIONPAY_SIM_HTTP_PORT,
    dataDir: e.UNIONPAY_SIM_DATA_DIR,
    devKeys: e.UNIONPAY_SIM_DEV_KEYS ?? mode === 'development',
    adminToken: e.UNIONPAY_SIM_ADMIN_TOKEN ?? '',
    switchId: e.UNIONPAY_SIM_SWITCH_ID,
    devAcquirerId: e.UNIONPAY_SIM_DEV_ACQUIRER_ID,
    pkiDir: e.PKI_DIR,
    tlsIdentity: e.UNIONPAY_SIM_TLS_IDENTITY,
    batchMax: e.UNIONPAY_SIM_BATCH_MAX,
    syncCommit: e.UNIONPAY_SIM_SYNC_COMMIT,
    logLevel: e.LOG_LEVEL,
  };
}
