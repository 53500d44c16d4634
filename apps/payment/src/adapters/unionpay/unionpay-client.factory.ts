import { readFileSync } from 'fs';
import { join } from 'path';
import { type Logger } from '@wxpay/observability';
import { loadAcquirerBundle, UnionPayClient } from '@wxpay/unionpay';
import { type DataSource } from 'typeorm';
import { type PaymentConfig } from '../../config';

export class UnionPayConfigFileError extends Error {
  override readonly name = 'UnionPayConfigFileError';
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new UnionPayConfigFileError(`cannot read ${what} at ${file}`);
  }
}

/**
 * The channel client from configuration: the acquirer bundle (institution codes and keys), mutual TLS with the
 * service's certificate (PKI_DIR/payment.crt, or UNIONPAY_TLS_*), and its request log in our database.
 */
export async function createUnionPayClient(
  config: PaymentConfig,
  dataSource: DataSource,
  logger: Logger,
  identity = 'payment',
): Promise<UnionPayClient> {
  const bundle = await loadAcquirerBundle(config.UNIONPAY_ACQUIRER_BUNDLE);
  const [host, port] = config.UNIONPAY_CHANNEL_ADDRESS.split(':') as [string, string];
  const pki = config.PKI_DIR;
  return new UnionPayClient({
    host,
    port: Number(port),
    tls: {
      ca: read(config.UNIONPAY_TLS_CA ?? join(pki, 'ca.crt'), 'the channel CA certificate'),
      cert: read(config.UNIONPAY_TLS_CERT ?? join(pki, `${identity}.crt`), 'the channel client certificate'),
      key: read(config.UNIONPAY_TLS_KEY ?? join(pki, `${identity}.key`), 'the channel client key'),
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
    connections: config.UNIONPAY_CONNECTIONS,
    requestTimeoutMs: config.UNIONPAY_TIMEOUT_MS,
  });
}
