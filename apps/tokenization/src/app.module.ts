import { Module, type DynamicModule } from '@nestjs/common';
import { type Logger, type Metrics } from '@wxpay/observability';
import {
  DATA_SOURCE,
  DatabaseModule,
  LOGGER,
  METRICS,
  MessagingModule,
  RuntimeModule,
  type RuntimeParts,
} from '@wxpay/runtime';
import { type DataSource } from 'typeorm';
import { SERVICE_NAME } from './config';
import { VAULT_MIGRATIONS } from './migrations';
import { openVault } from './vault';
import { VAULT, VAULT_OPTIONS, VaultLifecycle, type VaultRunOptions } from './vault-lifecycle';

export interface VaultAppOptions extends VaultRunOptions {
  parts: RuntimeParts;
  /** Tests pass their own database and brokers; the service uses TOKENIZATION_DATABASE_URL and KAFKA_BROKERS. */
  databaseUrl?: string;
  brokers?: string[];
}

/** The tokenization service: health/metrics over HTTP, the vault over gRPC, events through the outbox relay. */
@Module({})
export class VaultAppModule {
  static forRoot(options: VaultAppOptions): DynamicModule {
    return {
      module: VaultAppModule,
      imports: [
        RuntimeModule.forRoot(options.parts),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: VAULT_MIGRATIONS,
          url: options.databaseUrl,
          poolSize: options.config.databasePoolSize,
        }),
        MessagingModule.forRoot({ service: SERVICE_NAME, relay: true, brokers: options.brokers }),
      ],
      providers: [
        { provide: VAULT_OPTIONS, useValue: options },
        {
          provide: VAULT,
          inject: [DATA_SOURCE, LOGGER, METRICS],
          useFactory: (dataSource: DataSource, logger: Logger, metrics: Metrics) =>
            openVault({ config: options.config, dataSource, logger, metrics, env: options.env }),
        },
        VaultLifecycle,
      ],
      exports: [VAULT],
    };
  }
}
