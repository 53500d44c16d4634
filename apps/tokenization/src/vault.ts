import { type Logger, type Metrics } from '@wxpay/observability';
import { type DataSource } from 'typeorm';
import { AuditLog } from './audit/audit-log';
import { BinTable } from './cards/bin-table';
import { CardLookup } from './cards/card-lookup';
import { CardQueryService } from './cards/card-query.service';
import { CardStatusService } from './cards/card-status.service';
import { DetokenizeService } from './cards/detokenize.service';
import { SAMPLE_BIN_TABLE } from './cards/sample-bin-table';
import { TokenizeService } from './cards/tokenize.service';
import { type VaultConfig } from './config';
import { DekCache } from './crypto/dek-cache';
import { loadKeyMaterial } from './keys/key-material';
import { reconcileKeyRegistry } from './keys/key-registry';
import { kekName, type KeyRing } from './keys/key-ring';
import { KeyRotation } from './rotation/key-rotation';
import { type VaultDeps } from './vault-deps';

export interface OpenVaultOptions {
  config: VaultConfig;
  dataSource: DataSource;
  logger: Logger;
  metrics?: Metrics;
  /** Where KEK shares given as environment variables are read (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export interface Vault {
  ring: KeyRing;
  deps: VaultDeps;
  tokenize: TokenizeService;
  detokenize: DetokenizeService;
  status: CardStatusService;
  query: CardQueryService;
  rotation: KeyRotation;
  /** Waits for audit group commits in flight (needs the database). */
  drain(): Promise<void>;
  /** Overwrites keys in memory; the vault is unusable afterwards. */
  wipeKeys(): void;
  /** drain + wipeKeys (CLIs). */
  close(): Promise<void>;
}

/**
 * Loads the keys (both shares of each, or refuses to start), checks them against the database's key registry,
 * and assembles the vault's services. Used by the service, the CLIs and the tests alike.
 */
export async function openVault(opts: OpenVaultOptions): Promise<Vault> {
  const { config, dataSource, logger } = opts;
  const bins = config.binTableFile ? BinTable.fromFile(config.binTableFile) : new BinTable(SAMPLE_BIN_TABLE);
  const material = loadKeyMaterial({ ...config.keys, env: opts.env });
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
  } catch (e) {
    ring.destroy();
    throw e;
  }

  const groupCommit = opts.metrics?.histogram({
    name: 'tokenization_audit_group_commit_entries',
    help: 'Audit entries written per group commit (detokenize and refusals)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
  });
  const audit = new AuditLog(dataSource, { onGroupCommit: (n) => groupCommit?.observe(n) });
  const dekCache = new DekCache(config.dekCache.entries, config.dekCache.ttlMs);
  opts.metrics?.gauge({
    name: 'tokenization_dek_cache_lookups',
    help: 'Data-key cache lookups since start, by result',
    labelNames: ['result'],
    collect() {
      this.set({ result: 'hit' }, dekCache.hits);
      this.set({ result: 'miss' }, dekCache.misses);
    },
  });
  const deps: VaultDeps = {
    dataSource,
    ring,
    bins,
    audit,
    lookup: new CardLookup(dataSource),
    dekCache,
    logger,
    now: opts.now ?? (() => new Date()),
    eventsTopic: config.eventsTopic,
  };

  const vault: Vault = {
    ring,
    deps,
    tokenize: new TokenizeService(deps),
    detokenize: new DetokenizeService(deps),
    status: new CardStatusService(deps),
    query: new CardQueryService(deps),
    rotation: new KeyRotation(dataSource, ring, audit, logger, config.eventsTopic),
    drain: () => audit.flush(),
    wipeKeys() {
      dekCache.clear();
      ring.destroy();
    },
    async close() {
      await vault.drain();
      vault.wipeKeys();
    },
  };
  return vault;
}
