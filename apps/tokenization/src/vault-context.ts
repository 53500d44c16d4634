import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createMetrics, HealthRegistry, NestPinoLogger, type Logger } from '@wxpay/observability';
import { DatabaseModule, RuntimeModule } from '@wxpay/runtime';
import { SERVICE_NAME } from './config';
import { VAULT_MIGRATIONS } from './persistence/migrations';
import { Vault, VaultCoreModule } from './vault-core.module';
import { type VaultRunOptions } from './vault-options';

export interface VaultContextOptions extends VaultRunOptions {
  logger: Logger;
  /** The vault's database (TOKENIZATION_DATABASE_URL / DATABASE_URL when absent). */
  databaseUrl?: string;
  poolSize?: number;
}

@Module({})
class VaultContextModule {
  static forRoot(options: VaultContextOptions): DynamicModule {
    return {
      module: VaultContextModule,
      imports: [
        RuntimeModule.forRoot({
          logger: options.logger,
          metrics: createMetrics({ service: SERVICE_NAME, defaultMetrics: false }),
          health: new HealthRegistry(),
        }),
        DatabaseModule.forRoot({
          service: SERVICE_NAME,
          migrations: VAULT_MIGRATIONS,
          url: options.databaseUrl,
          poolSize: options.poolSize ?? 2,
        }),
        VaultCoreModule.forRoot(options),
      ],
    };
  }
}

/**
 * The vault without its gRPC edge, in this process: for the rotation CLI and benchmarks that call the use cases
 * directly. Closing it drains the audit log, wipes the keys and closes the database.
 */
export async function openVaultContext(
  options: VaultContextOptions,
): Promise<{ vault: Vault; close(): Promise<void> }> {
  const context = await NestFactory.createApplicationContext(VaultContextModule.forRoot(options), {
    logger: new NestPinoLogger(options.logger),
    abortOnError: false,
  });
  return { vault: context.get(Vault), close: () => context.close() };
}
