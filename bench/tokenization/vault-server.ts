/**
 * The tokenization service as a child process of the benchmark (forked with the environment to use): started as
 * in production (Nest app, gRPC with mutual TLS, outbox relay), it reports its ports over IPC and stops on
 * 'stop'. A separate process so the server and the load generator each have their own event loop.
 */
import { bootstrapService, createRuntimeParts, grpcPortOf } from '@wxpay/runtime';
import { vaultGrpcEdge } from '../../apps/tokenization/src/api/grpc-edge';
import { VaultAppModule } from '../../apps/tokenization/src/app.module';
import { loadConfig } from '../../apps/tokenization/src/config';

async function main(): Promise<void> {
  const config = loadConfig();
  const parts = createRuntimeParts('tokenization', { level: 'warn' });
  const app = await bootstrapService({
    parts,
    module: VaultAppModule.forRoot({ config, parts, databaseUrl: process.env.BENCH_DATABASE_URL }),
    httpPort: 0,
    httpHost: '127.0.0.1',
    grpc: (a) => vaultGrpcEdge(a, { config }),
  });
  const http = new URL(await app.getUrl()).port;
  process.send!({ grpcPort: grpcPortOf(app), httpPort: Number(http) });
  process.on('message', (m) => {
    if (m === 'stop') void app.close().then(() => process.exit(0));
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
