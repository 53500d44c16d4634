import 'reflect-metadata';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { bootstrapService, ConfigError, createRuntimeParts } from '@wxpay/runtime';
import { paymentGrpcEdge } from './api/grpc-edge';
import { paymentHttpAdapter } from './api/http-adapter';
import { PaymentAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

/** `node -r ./tools/ts-register.js apps/payment/src/main.ts` (the launcher runs it after migrate.ts). */
async function main(): Promise<void> {
  const config = loadConfig();
  const parts = createRuntimeParts(SERVICE_NAME, { level: config.LOG_LEVEL });
  const options = { config, tls: grpcTlsFromEnv(SERVICE_NAME) };
  await bootstrapService({
    parts,
    module: PaymentAppModule.forRoot({ ...options, parts }),
    httpPort: config.PAYMENT_HTTP_PORT,
    httpHost: config.PAYMENT_HTTP_HOST,
    // Webhook signatures are checked over the body exactly as received.
    rawBody: true,
    httpAdapter: paymentHttpAdapter(),
    grpc: (app) => paymentGrpcEdge(app, options),
  });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
});
