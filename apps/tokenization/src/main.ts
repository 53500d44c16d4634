import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { vaultGrpcEdge } from './api/grpc-edge';
import { VaultAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

/** `node -r ./tools/ts-register.js apps/tokenization/src/main.ts` (the launcher runs it after migrate.ts). */
async function main(): Promise<void> {
  const config = loadConfig();
  const parts = createRuntimeParts(SERVICE_NAME);
  await bootstrapService({
    parts,
    module: VaultAppModule.forRoot({ config, parts }),
    httpPort: config.http.port,
    httpHost: config.http.host,
    grpc: (app) => vaultGrpcEdge(app, { config }),
  });
}

main().catch((e: unknown) => {
  // Configuration and key-material errors list every problem; none of them carries a secret value.
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`tokenization failed to start: ${message}\n`);
  process.exit(1);
});
