import { readFileSync } from 'fs';
import { join } from 'path';
import { type Logger, type Metrics } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { z } from 'zod';
import { UnionPayConfigError } from '../errors/unionpay-errors';
import { loadAcquirerBundle } from './acquirer-bundle';
import { UnionPayClient } from './unionpay-client';

/*
 * The UnionPay channel settings a service reads from its environment, shared by every acquirer-side service (the
 * payment service for purchases, the repayment service for credits) so they validate and load them alike.
 */

/** Zod fields keyed by variable name; spread into a service's own environment schema. */
export const unionPayChannelEnvShape = {
  /** The UnionPay switch (TLS, mutual, with the PKI_DIR or UNIONPAY_TLS_* material). */
  UNIONPAY_CHANNEL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'must be host:port')
    .default('127.0.0.1:8583'),
  /** Institution codes, zone key and SM2 keys from the key ceremony (dev: written by the simulator). */
  UNIONPAY_ACQUIRER_BUNDLE: z.string().min(1, 'the acquirer bundle file (institution codes and keys)'),
  /**
   * The CA the switch's server certificate must chain to: UnionPay's, never the cluster's own root (a cluster
   * certificate must not pass for the switch). Default PKI_DIR/sim-ca.crt, the dev PKI's counterparty CA.
   */
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
  UNIONPAY_TIMEOUT_MS: z.coerce.number().int().min(1).default(5000),
  PKI_DIR: z.string().min(1).default('.data/pki'),
};

/** The dev PKI's counterparty CA (it issues the simulators' certificates), the switch's CA by default. */
export const COUNTERPARTY_CA_FILE = 'sim-ca.crt';

export type UnionPayChannelEnv = z.infer<z.ZodObject<typeof unionPayChannelEnvShape>>;

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new UnionPayConfigError(`cannot read ${what} at ${file}`);
  }
}

/** Where the channel's TLS material is read from: UNIONPAY_TLS_* when set, else the dev PKI layout in PKI_DIR. */
export function channelTlsFiles(
  config: Pick<UnionPayChannelEnv, 'PKI_DIR' | 'UNIONPAY_TLS_CA' | 'UNIONPAY_TLS_CERT' | 'UNIONPAY_TLS_KEY'>,
  identity: string,
): { ca: string; cert: string; key: string } {
  const pki = config.PKI_DIR;
  return {
    ca: config.UNIONPAY_TLS_CA ?? join(pki, COUNTERPARTY_CA_FILE),
    cert: config.UNIONPAY_TLS_CERT ?? join(pki, `${identity}.crt`),
    key: config.UNIONPAY_TLS_KEY ?? join(pki, `${identity}.key`),
  };
}

/**
 * The channel client from validated settings: the acquirer bundle, mutual TLS with the service's certificate
 * (PKI_DIR/<identity>.crt, or UNIONPAY_TLS_*) and the switch checked against the counterparty CA
 * (PKI_DIR/sim-ca.crt, or UNIONPAY_TLS_CA), and its request log in the caller's database.
 */
export async function createUnionPayClientFromEnv(
  config: UnionPayChannelEnv,
  dataSource: DataSource,
  logger: Logger,
  identity: string,
  metrics?: Metrics,
): Promise<UnionPayClient> {
  const bundle = await loadAcquirerBundle(config.UNIONPAY_ACQUIRER_BUNDLE);
  const [host, port] = config.UNIONPAY_CHANNEL_ADDRESS.split(':') as [string, string];
  const files = channelTlsFiles(config, identity);
  return new UnionPayClient({
    host,
    port: Number(port),
    tls: {
      ca: read(files.ca, 'the channel CA certificate'),
      cert: read(files.cert, 'the channel client certificate'),
      key: read(files.key, 'the channel client key'),
      servername: config.UNIONPAY_TLS_SERVERNAME,
    },
    keys: bundle.keys,
    switchId: bundle.switchId,
    originator: {
      acquirerId: bundle.acquirerId,
      forwardingId: bundle.forwardingId,
      terminalId: config.UNIONPAY_TERMINAL_ID,
      merchantId: config.UNIONPAY_MERCHANT_ID,
      merchantType: config.UNIONPAY_MERCHANT_TYPE,
    },
    dataSource,
    logger,
    ...(metrics ? { metrics } : {}),
    connections: config.UNIONPAY_CONNECTIONS,
    requestTimeoutMs: config.UNIONPAY_TIMEOUT_MS,
  });
}
