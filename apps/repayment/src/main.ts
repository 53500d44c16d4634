import 'reflect-metadata';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { repaymentGrpcEdge } from './api/grpc-edge';
import { RepaymentAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

/** `node -r ./tools/ts-register.js apps/repayment/src/main.ts` (the launcher runs it after migrate.ts). */
async function main(): Promise<void> {
  const config = loadConfig();
  const parts = createRuntimeParts(SERVICE_NAME, { level: config.LOG_LEVEL });
  const options = { config, tls: grpcTlsFromEnv(SERVICE_NAME) };
  await bootstrapService({
    parts,
    module: RepaymentAppModule.forRoot({ ...options, parts }),
    httpPort: config.REPAYMENT_HTTP_PORT,
    httpHost: config.REPAYMENT_HTTP_HOST,
    grpc: (app) => repaymentGrpcEdge(app, options),
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`repayment: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
