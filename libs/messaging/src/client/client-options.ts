import { type KafkaConnection } from '../kafka-connection';
import { type Platformatic } from './platformatic';

/**
 * The options every client of this service (producer, consumer, admin) is built with: the brokers, TLS with the
 * CA that signed them (hostname checked) and this client's certificate, or SASL over TLS.
 */
export function clientOptions(connection: KafkaConnection, clientId: string): Platformatic.BaseOptions {
  const { tls, sasl } = connection;
  return {
    clientId,
    bootstrapBrokers: connection.brokers,
    connectTimeout: 5_000,
    retries: 8,
    retryDelay: 250,
    ...(tls ? { tls: { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: true } } : {}),
    ...(sasl
      ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } }
      : {}),
  };
}
