import 'reflect-metadata';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { bootstrapService, ConfigError, createRuntimeParts } from '@wxpay/runtime';
import { PaymentAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const parts = createRuntimeParts(SERVICE_NAME, { level: config.LOG_LEVEL });
  await bootstrapService({
    parts,
    module: PaymentAppModule.forRoot({ config, parts, tls: grpcTlsFromEnv(SERVICE_NAME) }),
    httpPort: config.PAYMENT_HTTP_PORT,
    httpHost: config.PAYMENT_HTTP_HOST,
    // Webhook signatures are checked over the body exactly as received.
    rawBody: true,
  });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${e instanceof ConfigError ? e.message : e instanceof Error ? e.stack : String(e)}\n`,
  );
  process.exit(1);
});
