import { createRuntimeParts, bootstrapService } from '@wxpay/runtime';
import { loadRiskConfig } from './config';
import { riskAppModule } from './app.module';

async function main(): Promise<void> {
  const config = loadRiskConfig();
  const parts = createRuntimeParts('risk', { level: config.logLevel });
  await bootstrapService({
    parts,
    module: riskAppModule(parts, config),
    httpPort: config.httpPort,
    httpHost: config.httpHost,
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`risk: failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
