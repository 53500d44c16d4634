import { startTestInfra, type TestInfra } from '@wxpay/testing';

/** Benchmarks use the same real infrastructure as the integration tests (local services or containers). */
export async function benchInfra(): Promise<TestInfra> {
  const infra = await startTestInfra(process.env, (line) => console.log(`[infra] ${line}`));
  process.env.WXPAY_TEST_DATABASE_SERVER = infra.databaseServer;
  process.env.KAFKA_BROKERS = infra.brokers.join(',');
  return infra;
}
