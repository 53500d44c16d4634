import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { type Logger, type Metrics } from '@wxpay/observability';
import { IdempotencyStore } from '@wxpay/persistence';
import { DATA_SOURCE, LOGGER, METRICS } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { AuditCheckpointer } from './persistence/audit-checkpoints';
import { EnvelopeUpgrade } from './rotation/envelope-upgrade';
import { FingerprintRotation } from './rotation/fingerprint-rotation';
import { KeyRotation } from './rotation/key-rotation';
import { RotationProgress } from './rotation/rotation-progress';
import { RotationRunner } from './rotation/rotation-runner';
import { VAULT_DEPS, type VaultDeps } from './vault-deps';
import { VAULT_OPTIONS, type VaultRunOptions } from './vault-options';

const PRUNE_EVERY_MS = 3600_000;

/**
 * What runs in the background of the service: the key rotation and the move of fingerprints to the current
 * fingerprint key (when TOKENIZATION_ROTATION_AUTO is on), the upgrade of envelope 1 records (once, at start) and
 * the pruning of idempotency keys past their retention. Stopped before the vault drains and wipes its keys.
 */
@Injectable()
export class VaultJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private rotation?: RotationRunner;
  private pruner?: NodeJS.Timeout;
  private checkpoints?: NodeJS.Timeout;
  private upgrade?: Promise<unknown>;
  private readonly progress: RotationProgress;
  private readonly stopping = new AbortController();

  constructor(
    @Inject(VAULT_OPTIONS) private readonly options: VaultRunOptions,
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly keyRotation: KeyRotation,
    private readonly envelopeUpgrade: EnvelopeUpgrade,
    private readonly fingerprintRotation: FingerprintRotation,
    private readonly checkpointer: AuditCheckpointer,
    private readonly idempotency: IdempotencyStore,
    @Inject(VAULT_DEPS) deps: VaultDeps,
    @Inject(METRICS) metrics: Metrics,
  ) {
    this.progress = new RotationProgress(dataSource, deps.ring, metrics, logger);
  }

  onApplicationBootstrap(): void {
    const { config } = this.options;
    if (!config.grpc.tls && config.allowPlaintextDetokenize) {
      this.logger.error(
        'TOKENIZATION_ALLOW_PLAINTEXT_DETOKENIZE=on: ANY local process can read card numbers. Development only.',
      );
    }
    const { batchSize, pauseMs } = config.rotation;
    this.upgrade = (async () => {
      await this.envelopeUpgrade.run(batchSize, this.stopping.signal);
      if (config.rotation.auto) await this.fingerprintRotation.run(batchSize, this.stopping.signal, pauseMs);
    })().catch((e: unknown) =>
      this.logger.error(
        { error: e instanceof Error ? e.message : String(e) },
        'envelope upgrade or fingerprint rotation stopped; it resumes at the next start',
      ),
    );
    if (config.rotation.auto) {
      this.rotation = new RotationRunner(this.keyRotation, config.rotation, this.logger);
      this.rotation.start();
    }
    this.progress.start();
    const prune = () =>
      this.idempotency
        .prune(this.dataSource, config.idempotencyRetentionMs)
        .catch((e: unknown) =>
          this.logger.warn(
            { error: e instanceof Error ? e.message : String(e) },
            'idempotency pruning failed',
          ),
        );
    this.pruner = setInterval(prune, PRUNE_EVERY_MS);
    this.pruner.unref();
    this.checkpoints = setInterval(() => void this.checkpoint(), config.auditCheckpoint.everyMs);
    this.checkpoints.unref();
  }

  /** A failed checkpoint is logged at error level: the audit trail outside the database has a gap until the next. */
  private checkpoint(): Promise<unknown> {
    return this.checkpointer
      .write()
      .catch((e: unknown) =>
        this.logger.error(
          { error: e instanceof Error ? e.message : String(e) },
          'audit checkpoint not written; the next interval tries again',
        ),
      );
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.pruner);
    clearInterval(this.checkpoints);
    this.stopping.abort();
    await this.progress.stop();
    await this.upgrade;
    await this.checkpoint(); // the head as the service leaves it
    await this.rotation?.stop();
  }
}
