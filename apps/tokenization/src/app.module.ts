import { type KafkaConnection } from '@wxpay/messaging';
import { Module, type DynamicModule } from '@nestjs/common';
import { DatabaseModule, MessagingModule, RuntimeModule, type RuntimeParts } from '@wxpay/runtime';
import { SERVICE_NAME } from './config';
import { VAULT_MIGRATIONS } from './persistence/migrations';
import { VaultModule } from './vault.module';
import { type VaultRunOptions } from './vault-options';

export interface VaultAppOptions extends VaultRunOptions {
  parts: RuntimeParts;
  /** Tests pass their own database and brokers; the service uses TOKENIZATION_DATABASE_URL and KAFKA_BROKERS. */
  databaseUrl?: string;
  kafka?: KafkaConnection;
  /** Tests running the service in-process pass its EVENT_SIGNING_* settings; the service reads process.env. */
  eventSigningEnv?: NodeJS.ProcessEnv;
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
        MessagingModule.forRoot({
          service: SERVICE_NAME,
          relay: true,
          connection: options.kafka,
          signingEnv: options.eventSigningEnv,
        }),
        VaultModule.forRoot(options),
      ],
    };
  }
}
