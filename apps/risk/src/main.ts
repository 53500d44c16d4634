import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { riskGrpcEdge } from './api/grpc-edge';
import { RiskAppModule } from './app.module';
import { loadRiskConfig } from './config';
import { SERVICE_NAME } from './risk-options';

/** `node -r ./tools/ts-register.js apps/risk/src/main.ts` (the launcher runs it after migrate.ts). */
async function main(): Promise<void> {
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

main().catch((e: unknown) => {
  process.stderr.write(`risk: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
