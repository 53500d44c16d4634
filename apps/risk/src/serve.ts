import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { riskGrpcEdge } from './api/grpc-edge';
import { RiskAppModule } from './app.module';
import { loadRiskConfig } from './config';
import { SERVICE_NAME } from './risk-options';

/** Configures and starts the service (loaded by main.ts once tracing has started). */
export async function serve(): Promise<void> {
  const config = loadRiskConfig();
  const parts = createRuntimeParts(SERVICE_NAME, { level: config.logLevel });
  await bootstrapService({
    parts,
    module: RiskAppModule.forRoot({ config, parts }),
    httpPort: config.httpPort,
    httpHost: config.httpHost,
    grpc: (app) => riskGrpcEdge(app, { config }),
  });
}
