import {
  Inject,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { grpcTlsFromEnv, type GrpcServer } from '@wxpay/grpc';
import { type Logger, type Metrics } from '@wxpay/observability';
import { LOGGER, METRICS } from '@wxpay/runtime';
import { type VaultConfig } from './config';
import { createVaultGrpcServer } from './grpc/vault-grpc-server';
import { pruneIdempotencyRecords } from './idempotency/idempotency';
import { RotationRunner } from './rotation/rotation-runner';
import { type Vault } from './vault';

export const VAULT = Symbol('VAULT');
export const VAULT_OPTIONS = Symbol('VAULT_OPTIONS');

export interface VaultRunOptions {
  config: VaultConfig;
  /** Environment for TLS files and key shares given as variables (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

const PRUNE_EVERY_MS = 3600_000;

/**
 * Starts what runs beside the HTTP server: the gRPC server, the background key rotation and the pruning of
 * old idempotency records; stops them in reverse on shutdown (gRPC first, so no call starts on a closing vault).
 */
export class VaultLifecycle
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private server?: GrpcServer;
  private rotation?: RotationRunner;
  private pruner?: NodeJS.Timeout;
  /** The bound gRPC port (useful when the configured port is 0). */
  grpcPort?: number;

  constructor(
    @Inject(VAULT) private readonly vault: Vault,
    @Inject(VAULT_OPTIONS) private readonly options: VaultRunOptions,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { config } = this.options;
    const tls = config.grpc.tls
      ? grpcTlsFromEnv('tokenization', this.options.env)
      : ({ enabled: false } as const);
    if (!tls.enabled) {
      this.logger.warn('gRPC WITHOUT TLS (GRPC_TLS=off): callers are not authenticated; for local runs only');
      if (config.allowPlaintextDetokenize) {
        this.logger.error(
          'TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE=on: ANY local process can read card numbers. Development only.',
        );
      }
    }
    this.server = createVaultGrpcServer(this.vault, config, tls, this.logger, this.metrics);
    this.grpcPort = await this.server.listen(`${config.grpc.host}:${config.grpc.port}`);
    this.logger.info(
      {
        grpc: `${config.grpc.host}:${this.grpcPort}`,
        tls: tls.enabled,
        detokenizeAllow: config.detokenizeAllow,
      },
      'TokenVault gRPC serving',
    );

    if (config.rotation.auto) {
      this.rotation = new RotationRunner(this.vault.rotation, config.rotation, this.logger);
      this.rotation.start();
    }
    const prune = () =>
      pruneIdempotencyRecords(this.vault.deps.dataSource, config.idempotencyRetentionMs).catch((e: unknown) =>
        this.logger.warn({ error: e instanceof Error ? e.message : String(e) }, 'idempotency pruning failed'),
      );
    this.pruner = setInterval(prune, PRUNE_EVERY_MS);
    this.pruner.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruner);
    await this.server?.stop(5000);
    await this.rotation?.stop();
    await this.vault.drain();
  }

  onApplicationShutdown(): void {
    this.vault.wipeKeys();
  }
}
