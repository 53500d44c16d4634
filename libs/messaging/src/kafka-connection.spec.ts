import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { KafkaConfigError, kafkaConnectionFromEnv } from './kafka-connection';

const dir = mkdtempSync(join(tmpdir(), 'kafka-connection-'));
const pem = (name: string, label = 'CERTIFICATE') => {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`);
  return path;
};
const files = {
  KAFKA_TLS_CA_FILE: pem('ca.crt'),
  KAFKA_TLS_CERT_FILE: pem('svc.crt'),
  KAFKA_TLS_KEY_FILE: pem('svc.key', 'PRIVATE KEY'),
};

function problems(env: NodeJS.ProcessEnv): string[] {
  try {
    kafkaConnectionFromEnv(env);
    return [];
  } catch (e) {
    expect(e).toBeInstanceOf(KafkaConfigError);
    return (e as KafkaConfigError).problems;
  }
}

describe('Kafka connection settings', () => {
  it('is mutual TLS by default, with the CA and the client identity read from their files', () => {
    const c = kafkaConnectionFromEnv({ KAFKA_BROKERS: 'k1:9093, k2:9093', ...files });
    expect(c.brokers).toEqual(['k1:9093', 'k2:9093']);
    expect(c.tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(c.tls?.key).toContain('BEGIN PRIVATE KEY');
    expect(c.sasl).toBeUndefined();
  });

  it('refuses TLS without its files, naming each variable and never a file content', () => {
    expect(problems({ KAFKA_BROKERS: 'k1:9093' })).toEqual([
      'KAFKA_TLS_CA_FILE: required',
      'KAFKA_TLS_CERT_FILE: required',
      'KAFKA_TLS_KEY_FILE: required',
    ]);
    const notPem = join(dir, 'key.txt');
    writeFileSync(notPem, 'super-secret-key-material');
    const found = problems({ ...files, KAFKA_TLS_KEY_FILE: notPem });
    expect(found).toEqual(['KAFKA_TLS_KEY_FILE: not a PEM file']);
    expect(found.join()).not.toContain('super-secret');
  });

  it('takes SASL/SCRAM over TLS with the password from a file, the client certificate optional', () => {
    const password = join(dir, 'password');
    writeFileSync(password, 'scram-password\n');
    const c = kafkaConnectionFromEnv({
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_TLS_CA_FILE: files.KAFKA_TLS_CA_FILE,
      KAFKA_SASL_USERNAME: 'payment',
      KAFKA_SASL_PASSWORD_FILE: password,
    });
    expect(c.sasl).toEqual({ mechanism: 'SCRAM-SHA-512', username: 'payment', password: 'scram-password' });
    expect(c.tls?.cert).toBeUndefined();
    expect(
      problems({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', ...files, KAFKA_SASL_MECHANISM: 'GSSAPI' }),
    ).toEqual([
      'KAFKA_SASL_MECHANISM: one of SCRAM-SHA-256, SCRAM-SHA-512, PLAIN',
      'KAFKA_SASL_USERNAME: required for SASL_SSL',
      'KAFKA_SASL_PASSWORD_FILE: required',
    ]);
  });

  it('knows PLAINTEXT (refused outside development by the services) and no other protocol', () => {
    expect(kafkaConnectionFromEnv({ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT' })).toEqual({
      brokers: ['127.0.0.1:9092'],
    });
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT' })).toEqual([
      'KAFKA_SECURITY_PROTOCOL: one of SSL, SASL_SSL, PLAINTEXT',
    ]);
    expect(problems({ KAFKA_SECURITY_PROTOCOL: 'PLAINTEXT', KAFKA_BROKERS: 'no-port' })).toEqual([
      'KAFKA_BROKERS: a comma-separated list of host:port',
    ]);
  });
});
