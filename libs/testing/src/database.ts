import { randomBytes } from 'crypto';
import {
  createDataSource,
  dropDatabase,
  ensureDatabase,
  initializeDataSource,
  withDatabase,
} from '@wxpay/persistence';
import { type DataSource, type DataSourceOptions } from 'typeorm';

export interface TestDatabase {
  url: string;
  dataSource: DataSource;
  /** Closes the data source and drops the database. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  migrations: NonNullable<DataSourceOptions['migrations']>;
  entities?: NonNullable<DataSourceOptions['entities']>;
  /** Part of the database name, to find it while a test hangs. */
  label?: string;
}

export function testDatabaseServer(): string {
  const server = process.env.WXPAY_TEST_DATABASE_SERVER;
  if (!server) {
    throw new Error(
      'WXPAY_TEST_DATABASE_SERVER is not set: integration tests must run in the integration tier (npm test)',
    );
  }
  return server;
}

/**
 * A fresh database for one test file, built by running the service's real migrations (never `synchronize`), and
 * dropped afterwards. Its name always contains "test", so nothing here can touch a service's real database.
 */
export async function createTestDatabase(opts: TestDatabaseOptions): Promise<TestDatabase> {
  const label = (opts.label ?? 'db')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '_')
    .slice(0, 20);
  const name = `wxpay_test_${label}_${randomBytes(4).toString('hex')}`;
  const url = withDatabase(testDatabaseServer(), name);
  await ensureDatabase(url);
  const dataSource = createDataSource({
    url,
    applicationName: `test-${label}`,
    migrations: opts.migrations,
    entities: opts.entities,
    fastTestCommits: true,
  });
  await initializeDataSource(dataSource);
  await dataSource.runMigrations({ transaction: 'each' });
  return {
    url,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await dropDatabase(url);
    },
  };
}
