import 'reflect-metadata';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { repaymentGrpcEdge } from './api/grpc-edge';
import { RepaymentAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

/** Configures and starts the service (loaded by main.ts once tracing has started). */
export async function serve(): Promise<void> {
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
