import { ensureTopics, kafkaConnectionFromEnv } from '@wxpay/messaging';
import { startTestInfra, type TestInfra } from '@wxpay/testing';

/**
 * Benchmarks use the same real infrastructure as the integration tests (local services or containers), with the
 * cluster's topics created as the launcher creates them: a service's outbox relay on a broker without its topic
 * retries and logs at error level, CPU a benchmark would charge to the service.
 */
export async function benchInfra(): Promise<TestInfra> {
  const infra = await startTestInfra(process.env, (line) => console.log(`[infra] ${line}`));
  process.env.WXPAY_TEST_DATABASE_SERVER = infra.databaseServer;
  process.env.KAFKA_BROKERS = infra.brokers.join(',');
  Object.assign(process.env, infra.kafkaEnv);
  await ensureTopics(kafkaConnectionFromEnv());
  return infra;
}
