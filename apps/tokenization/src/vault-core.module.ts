import {
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { type Logger, type Metrics } from '@wxpay/observability';
import { DATA_SOURCE, LOGGER, METRICS } from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { DekCache } from './crypto/dek-cache';
import { BinTable } from './domain/bin-table';
import { SAMPLE_BIN_TABLE } from './domain/sample-bin-table';
import { loadKeyMaterial } from './keys/key-material';
import { kekName, KeyRing } from './keys/key-ring';
import { AuditLog } from './persistence/audit-log';
import { CardLookup } from './persistence/card-lookup';
import { reconcileKeyRegistry } from './persistence/key-registry';
import { AuditCheckpointer, SyslogTarget } from './persistence/audit-checkpoints';
import { EnvelopeUpgrade } from './rotation/envelope-upgrade';
import { FingerprintRotation } from './rotation/fingerprint-rotation';
import { KeyRotation } from './rotation/key-rotation';
import { CardQueryService } from './use-cases/card-query.service';
import { CardStatusService } from './use-cases/card-status.service';
import { DetokenizeService } from './use-cases/detokenize.service';
import { TokenizeService } from './use-cases/tokenize.service';
import { VAULT_DEPS, type VaultDeps } from './vault-deps';
import { VAULT_OPTIONS, type VaultRunOptions } from './vault-options';

/**
 * Loads the keys (both shares of each, or refuses to start) and checks them against the database's key
 * registry: a vault never runs with keys that do not match the data they must open.
 */
async function openKeyRing(
  options: VaultRunOptions,
  dataSource: DataSource,
  logger: Logger,
): Promise<KeyRing> {
  const material = loadKeyMaterial({ ...options.config.keys, env: options.env });
  if (material.generated.length) {
    logger.warn(
      { files: material.generated },
      'DEVELOPMENT key shares generated (TOKENIZATION_DEV_KEYS=on): never commit them, never use them in production',
    );
  }
  material.warnings.forEach((w) => logger.warn(w));
  const ring = material.ring;
  try {
    const report = await reconcileKeyRegistry(dataSource, ring);
    logger.info(
      {
        currentKek: kekName(ring.currentVersion),
        loaded: ring.versions.map(kekName),
        wrapped: Object.fromEntries([...report.wrappedByVersion].map(([v, n]) => [kekName(v), n])),
      },
      'vault keys loaded',
    );
    if (report.unusedVersions.length) {
      logger.warn(
        { unused: report.unusedVersions.map(kekName) },
        'loaded KEK versions wrap no data key and are not current: they can be retired (withdraw their shares)',
      );
    }
    return ring;
  } catch (e) {
    ring.destroy();
    throw e;
  }
}

/**
 * The vault's parts as one object, for what runs beside the gRPC edge: the rotation CLI, benchmarks and tests.
 * On shutdown the audit group commits in flight are written, then the keys are overwritten in memory.
 */
@Injectable()
export class Vault implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(VAULT_DEPS) readonly deps: VaultDeps,
    readonly ring: KeyRing,
    readonly tokenize: TokenizeService,
    readonly detokenize: DetokenizeService,
    readonly status: CardStatusService,
    readonly query: CardQueryService,
    readonly rotation: KeyRotation,
  ) {}

  /** Waits for audit group commits in flight (needs the database). */
  drain(): Promise<void> {
    return this.deps.audit.flush();
  }

  /** Overwrites keys in memory; the vault is unusable afterwards. */
  wipeKeys(): void {
    this.deps.dekCache.clear();
    this.ring.destroy();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
  }

  onApplicationShutdown(): void {
    this.wipeKeys();
  }
}

/**
 * The card vault's providers: keys, BIN table, audit log, data-key cache, card lookups, the use cases and key
 * rotation. Needs the runtime's LOGGER and METRICS and a DATA_SOURCE (RuntimeModule, DatabaseModule).
 */
@Module({})
export class VaultCoreModule {
  static forRoot(options: VaultRunOptions): DynamicModule {
    const { config } = options;
    return {
      module: VaultCoreModule,
      providers: [
        { provide: VAULT_OPTIONS, useValue: options },
        {
          provide: KeyRing,
          inject: [DATA_SOURCE, LOGGER],
          useFactory: (ds: DataSource, logger: Logger) => openKeyRing(options, ds, logger),
        },
        {
          provide: BinTable,
          useFactory: () =>
            config.binTableFile ? BinTable.fromFile(config.binTableFile) : new BinTable(SAMPLE_BIN_TABLE),
        },
        {
          provide: AuditLog,
          inject: [DATA_SOURCE, METRICS, KeyRing],
          useFactory: (ds: DataSource, metrics: Metrics, ring: KeyRing) => {
            const groupCommit = metrics.histogram({
              name: 'tokenization_audit_group_commit_entries',
              help: 'Audit entries written per group commit (detokenize and refusals)',
              buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
            });
            return new AuditLog(ds, (data) => ring.auditMac(data), {
              onGroupCommit: (n) => groupCommit.observe(n),
            });
          },
        },
        {
          provide: DekCache,
          inject: [METRICS],
          useFactory: (metrics: Metrics) => {
            const cache = new DekCache(config.dekCache.entries, config.dekCache.ttlMs);
            metrics.gauge({
              name: 'tokenization_dek_cache_lookups',
              help: 'Data-key cache lookups since start, by result',
              labelNames: ['result'],
              collect() {
                this.set({ result: 'hit' }, cache.hits);
                this.set({ result: 'miss' }, cache.misses);
              },
            });
            return cache;
          },
        },
        { provide: CardLookup, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new CardLookup(ds) },
        {
          provide: VAULT_DEPS,
          inject: [DATA_SOURCE, KeyRing, BinTable, AuditLog, CardLookup, DekCache, LOGGER],
          useFactory: (
            dataSource: DataSource,
            ring: KeyRing,
            bins: BinTable,
            audit: AuditLog,
            lookup: CardLookup,
            dekCache: DekCache,
            logger: Logger,
          ): VaultDeps => ({
            dataSource,
            ring,
            bins,
            audit,
            lookup,
            dekCache,
            logger,
            now: options.now ?? (() => new Date()),
            eventsTopic: config.eventsTopic,
          }),
        },
        {
          provide: KeyRotation,
          inject: [DATA_SOURCE, KeyRing, AuditLog, LOGGER],
          useFactory: (ds: DataSource, ring: KeyRing, audit: AuditLog, logger: Logger) =>
            new KeyRotation(ds, ring, audit, logger, config.eventsTopic),
        },
        {
          provide: EnvelopeUpgrade,
          inject: [VAULT_DEPS],
          useFactory: (deps: VaultDeps) =>
            new EnvelopeUpgrade(deps.dataSource, deps, deps.audit, deps.logger),
        },
        {
          provide: FingerprintRotation,
          inject: [VAULT_DEPS],
          useFactory: (deps: VaultDeps) =>
            new FingerprintRotation(deps.dataSource, deps, deps.audit, deps.logger),
        },
        {
          provide: AuditCheckpointer,
          inject: [VAULT_DEPS],
          useFactory: (deps: VaultDeps) =>
            new AuditCheckpointer(
              deps.dataSource,
              config.auditCheckpoint.file,
              (data) => deps.ring.auditMac(data),
              deps.logger,
              config.auditCheckpoint.syslog ? new SyslogTarget(config.auditCheckpoint.syslog) : undefined,
            ),
        },
        TokenizeService,
        DetokenizeService,
        CardStatusService,
        CardQueryService,
        Vault,
      ],
      exports: [
        AuditCheckpointer,
        VAULT_OPTIONS,
        VAULT_DEPS,
        AuditLog,
        KeyRotation,
        EnvelopeUpgrade,
        FingerprintRotation,
        TokenizeService,
        DetokenizeService,
        CardStatusService,
        CardQueryService,
        Vault,
      ],
    };
  }
}
