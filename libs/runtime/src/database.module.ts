import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { type HealthRegistry } from '@wxpay/observability';
import {
  assertMigrationsApplied,
  createDataSource,
  databaseUrlFor,
  IdempotencyStore,
  initializeDataSource,
  type EntityList,
  type MigrationList,
} from '@wxpay/persistence';
import { type DataSource } from 'typeorm';
import { DATA_SOURCE, HEALTH } from './tokens';

export interface DatabaseModuleOptions {
  service: string;
  migrations: MigrationList;
  entities?: EntityList;
  poolSize?: number;
  /** Tests pass their own URL (a fresh test database); services use `<SERVICE>_DATABASE_URL` / DATABASE_URL. */
  url?: string;
}

class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly ds: DataSource) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ds.isInitialized) await this.ds.destroy();
  }
}

/**
 * The service's TypeORM DataSource, connected at start and refused if migrations are pending (they are applied by
 * `npm run db:migrate`, never by the service itself), with a `database` readiness check, and the service's
 * idempotency records (IdempotencyStore, on the idempotency_record table its migrations create).
 */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DatabaseModuleOptions): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        {
          provide: DATA_SOURCE,
          inject: [HEALTH],
          useFactory: async (health: HealthRegistry) => {
            const ds = await initializeDataSource(
              createDataSource({
                url: options.url ?? databaseUrlFor(options.service),
                applicationName: options.service,
                migrations: options.migrations,
                entities: options.entities,
                poolSize: options.poolSize,
              }),
            );
            await assertMigrationsApplied(ds);
            health.register('database', async () => void (await ds.query('SELECT 1')), { timeoutMs: 2000 });
            return ds;
          },
        },
        DataSourceCloser,
        IdempotencyStore,
      ],
      exports: [DATA_SOURCE, IdempotencyStore],
    };
  }
}
