import { grpcTlsFromEnv } from '@wxpay/grpc';
import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { RepaymentAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

async function main(): Promise<void> {
  const config = loadConfig();
  const parts = createRuntimeParts(SERVICE_NAME, { level: config.LOG_LEVEL });
  await bootstrapService({
    parts,
    module: RepaymentAppModule.forRoot(parts, { config, tls: grpcTlsFromEnv(SERVICE_NAME) }),
    httpPort: config.REPAYMENT_HTTP_PORT,
    httpHost: config.REPAYMENT_HTTP_HOST,
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`repayment: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
