/*
 * The payment service for the webhook-ingestion benchmark, as its own process: the real Nest app (webhooks, raw
 * body, verification, inbox, worker, outbox relay) on the bench database, with in-memory counterparties (the
 * notifications name orders that do not exist, so nothing is called). Configured by the environment the bench
 * passes; started by payment.bench.ts, stopped with SIGTERM.
 */
import { writeFileSync } from 'fs';
import { Session } from 'inspector';
import { startTracing } from '@wxpay/observability';

/** Optional CPU profile of this process (BENCH_CPU_PROFILE=<file>), written when it is stopped. */
async function startProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) => session.post(method, (e, r) => (e ? reject(e) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => {
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
  };
}

/** Tracing first (when the bench sets OTEL_*), as the service's main does, then the app's modules. */
async function main(): Promise<void> {
  startTracing('payment');
  await import('reflect-metadata');
  const { bootstrapService, createRuntimeParts } = await import('@wxpay/runtime');
  const { paymentGrpcEdge } = await import('../../apps/payment/src/api/grpc-edge');
  const { paymentHttpAdapter } = await import('../../apps/payment/src/api/http-adapter');
  const { PaymentAppModule } = await import('../../apps/payment/src/app.module');
  const { loadConfig } = await import('../../apps/payment/src/config');
  const { FakeChannel, FakeRisk, FakeVault, FakeWechat } =
    await import('../../apps/payment/test/support/fakes');
  const config = loadConfig();
  const parts = createRuntimeParts('payment', { level: 'warn' });
  const wechat = new FakeWechat();
  const options = { config, tls: { enabled: false as const } };
  const app = await bootstrapService({
    parts,
    module: PaymentAppModule.forRoot({
      ...options,
      parts,
      databaseUrl: process.env.BENCH_DATABASE_URL,
      ports: {
        risk: new FakeRisk(),
        vault: new FakeVault(),
        channel: new FakeChannel(),
        wechat,
        tradeBill: wechat,
      },
      background: process.env.BENCH_BACKGROUND !== 'off',
    }),
    httpPort: config.PAYMENT_HTTP_PORT,
    httpHost: '127.0.0.1',
    rawBody: true,
    httpAdapter: paymentHttpAdapter(),
    grpc: (a) => paymentGrpcEdge(a, options),
  });
  const profile = await startProfile(process.env.BENCH_CPU_PROFILE);
  process.on('SIGTERM', () => void profile().then(() => app.close().then(() => process.exit(0))));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
