import { readFileSync } from 'fs';

/** How a client reaches and authenticates to the brokers (Kafka's own names for the protocols). */
export type KafkaSecurityProtocol = 'SSL' | 'SASL_SSL' | 'PLAINTEXT';
export type KafkaSaslMechanism = 'SCRAM-SHA-256' | 'SCRAM-SHA-512' | 'PLAIN';

export interface KafkaConnection {
  brokers: string[];
  /**
   * TLS to the brokers: the CA that signed them and, for mutual TLS (the principal is the certificate's CN), this
   * client's certificate chain and key, all PEM. Absent only for PLAINTEXT, which is a development switch.
   */
  tls?: { ca: string; cert?: string; key?: string };
  /** SASL over TLS (SASL_SSL), for a bank's cluster that authenticates by SCRAM instead of certificates. */
  sasl?: { mechanism: KafkaSaslMechanism; username: string; password: string };
}

export class KafkaConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Kafka configuration: ${problems.join('; ')}`);
    this.name = 'KafkaConfigError';
  }
}

const PROTOCOLS: readonly KafkaSecurityProtocol[] = ['SSL', 'SASL_SSL', 'PLAINTEXT'];
const MECHANISMS: readonly KafkaSaslMechanism[] = ['SCRAM-SHA-256', 'SCRAM-SHA-512', 'PLAIN'];

export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/**
 * The connection from the environment, every problem named at once (never a file's content):
 *
 * - KAFKA_BROKERS: host:port list (default 127.0.0.1:9092)
 * - KAFKA_SECURITY_PROTOCOL: SSL (default: mutual TLS), SASL_SSL, or PLAINTEXT (refused outside development by
 *   the services' dev switches)
 * - KAFKA_TLS_CA_FILE: the CA of the brokers' certificates (SSL and SASL_SSL)
 * - KAFKA_TLS_CERT_FILE, KAFKA_TLS_KEY_FILE: this client's certificate chain and key (required for SSL)
 * - KAFKA_SASL_MECHANISM (SCRAM-SHA-512 by default), KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE (SASL_SSL)
 */
export function kafkaConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaConnection {
  const brokers = brokersFromEnv(env);
  const problems: string[] = [];
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d{1,5}$/.test(b))) {
    problems.push('KAFKA_BROKERS: a comma-separated list of host:port');
  }
  const protocol = (env.KAFKA_SECURITY_PROTOCOL || 'SSL') as KafkaSecurityProtocol;
  if (!PROTOCOLS.includes(protocol)) {
    problems.push(`KAFKA_SECURITY_PROTOCOL: one of ${PROTOCOLS.join(', ')}`);
    throw new KafkaConfigError(problems);
  }
  const connection: KafkaConnection = { brokers };
  if (protocol !== 'PLAINTEXT') {
    const ca = readPem(env, 'KAFKA_TLS_CA_FILE', true, problems);
    const cert = readPem(env, 'KAFKA_TLS_CERT_FILE', protocol === 'SSL', problems);
    const key = readPem(env, 'KAFKA_TLS_KEY_FILE', protocol === 'SSL', problems);
    if (!!env.KAFKA_TLS_CERT_FILE !== !!env.KAFKA_TLS_KEY_FILE)
      problems.push('KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE: set both or neither');
    if (ca) connection.tls = { ca, ...(cert && key ? { cert, key } : {}) };
  }
  if (protocol === 'SASL_SSL') {
    const mechanism = (env.KAFKA_SASL_MECHANISM || 'SCRAM-SHA-512') as KafkaSaslMechanism;
    if (!MECHANISMS.includes(mechanism))
      problems.push(`KAFKA_SASL_MECHANISM: one of ${MECHANISMS.join(', ')}`);
    const username = env.KAFKA_SASL_USERNAME ?? '';
    if (!username) problems.push('KAFKA_SASL_USERNAME: required for SASL_SSL');
    const password = readFileSetting(env, 'KAFKA_SASL_PASSWORD_FILE', problems)?.trim();
    if (password === '') problems.push('KAFKA_SASL_PASSWORD_FILE: the file is empty');
    if (username && password) connection.sasl = { mechanism, username, password };
  }
  if (problems.length) throw new KafkaConfigError(problems);
  return connection;
}

function readFileSetting(env: NodeJS.ProcessEnv, name: string, problems: string[]): string | undefined {
  const path = env[name];
  if (!path) {
    problems.push(`${name}: required`);
    return undefined;
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    problems.push(`${name}: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

function readPem(env: NodeJS.ProcessEnv, name: string, required: boolean, problems: string[]) {
  if (!required && !env[name]) return undefined;
  const text = readFileSetting(env, name, problems);
  if (text !== undefined && !text.includes('-----BEGIN ')) {
    problems.push(`${name}: not a PEM file`);
    return undefined;
  }
  return text;
}

/** Whether the connection sends events in the clear (PLAINTEXT), a development-only setting. */
export function isPlaintext(connection: KafkaConnection): boolean {
  return !connection.tls;
}
