import { DataSource, type DataSourceOptions } from 'typeorm';
import { redactDatabaseUrl } from './database-url';

export type EntityList = NonNullable<DataSourceOptions['entities']>;
export type MigrationList = NonNullable<DataSourceOptions['migrations']>;

export interface DataSourceConfig {
  url: string;
  /** Shown in pg_stat_activity, so a DBA can tell the services' connections apart. */
  applicationName: string;
  entities?: EntityList;
  migrations?: MigrationList;
  poolSize?: number;
  /** Per-session setting for tests only (`synchronous_commit=off`); never touches the server's configuration. */
  fastTestCommits?: boolean;
}

/**
 * The one way services build their TypeORM DataSource. Schema changes only ever come from migrations run by a
 * command (`npm run db:migrate`): `synchronize` is off here for good.
 */
export function createDataSource(config: DataSourceConfig): DataSource {
  const options: DataSourceOptions = {
    type: 'postgres',
    url: config.url,
    applicationName: config.applicationName,
    entities: config.entities ?? [],
    migrations: config.migrations ?? [],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    // TypeORM's own logger prints failed queries with their parameters to stdout, bypassing masking; errors
    // reach the service's logger through the thrown QueryFailedError instead.
    logging: false,
    poolSize: config.poolSize ?? 10,
    extra: {
      connectionTimeoutMillis: 5000,
      ...(config.fastTestCommits ? { options: '-c synchronous_commit=off' } : {}),
    },
  };
  return new DataSource(options);
}

/** What node-postgres needs to open a session of its own on a DataSource's database (see `ownSessionSettings`). */
export interface OwnSessionSettings {
  connectionString?: string;
  application_name: string;
  options?: string;
  connectionTimeoutMillis?: number;
}

/**
 * The settings of a connection a component opens beside the DataSource's pool (a LISTEN session, the outbox
 * relay's leader session and pool) on the same database and terms: its URL (TLS comes with it, `sslmode`), its
 * session options, plus `extraOptions`, and its connect bound, so a database that accepts and never answers
 * cannot hang the component (or the service's shutdown waiting for it).
 */
export function ownSessionSettings(
  ds: DataSource,
  applicationName: string,
  extraOptions?: string,
): OwnSessionSettings {
  const { url, extra } = ds.options as {
    url?: string;
    extra?: { options?: string; connectionTimeoutMillis?: number };
  };
  const options = [extra?.options, extraOptions].filter(Boolean).join(' ');
  return {
    connectionString: url,
    application_name: applicationName,
    ...(options ? { options } : {}),
    connectionTimeoutMillis: extra?.connectionTimeoutMillis,
  };
}

export async function initializeDataSource(ds: DataSource): Promise<DataSource> {
  try {
    return await ds.initialize();
  } catch (e) {
    const url = (ds.options as { url?: string }).url ?? '';
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`cannot connect to PostgreSQL at ${redactDatabaseUrl(url)}: ${reason}`);
  }
}

/** Services call this at start: running with a schema older than the code is refused, not discovered later. */
export async function assertMigrationsApplied(ds: DataSource): Promise<void> {
  if (await ds.showMigrations()) {
    throw new Error('the database has pending migrations; run `npm run db:migrate` first');
  }
}
