import 'reflect-metadata';
import { grpcTlsFromEnv } from '@wxpay/grpc';
import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { paymentGrpcEdge } from './api/grpc-edge';
import { paymentHttpAdapter } from './api/http-adapter';
import { PaymentAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

/** Configures and starts the service (loaded by main.ts once tracing has started). */
export async function serve(): Promise<void> {
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
