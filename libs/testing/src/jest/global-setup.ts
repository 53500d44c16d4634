import { ensureTopics, kafkaConnectionFromEnv } from '@wxpay/messaging';
import { startTestInfra, type TestInfra } from '../infra/test-infra';

declare global {
  var __WXPAY_TEST_INFRA__: TestInfra | undefined;
}

/**
 * Runs once per Jest run for the integration tier: brings up (or finds) PostgreSQL and Kafka, creates the
 * declared topics, and hands their addresses and the identity to reach them with (KAFKA_SECURITY_PROTOCOL,
 * KAFKA_TLS_*) to the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const infra = await startTestInfra(process.env, (line) => process.stderr.write(`[test-infra] ${line}\n`));
  globalThis.__WXPAY_TEST_INFRA__ = infra;
  process.env.WXPAY_TEST_DATABASE_SERVER = infra.databaseServer;
  process.env.KAFKA_BROKERS = infra.brokers.join(',');
  Object.assign(process.env, infra.kafkaEnv);
  if (infra.kafkaEnv.KAFKA_SECURITY_PROTOCOL === 'PLAINTEXT') {
    for (const name of ['KAFKA_TLS_CA_FILE', 'KAFKA_TLS_CERT_FILE', 'KAFKA_TLS_KEY_FILE'])
      delete process.env[name];
  }
  await ensureTopics(kafkaConnectionFromEnv());
}
