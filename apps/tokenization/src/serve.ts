import { bootstrapService, createRuntimeParts } from '@wxpay/runtime';
import { vaultGrpcEdge } from './api/grpc-edge';
import { VaultAppModule } from './app.module';
import { loadConfig, SERVICE_NAME } from './config';

/** Configures and starts the service (loaded by main.ts once tracing has started). */
export async function serve(): Promise<void> {
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
