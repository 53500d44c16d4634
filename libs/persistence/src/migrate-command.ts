import { type DataSource, type DataSourceOptions } from 'typeorm';
import { createDataSource, initializeDataSource } from './data-source';
import { ensureDatabase } from './database-admin';
import { databaseUrlFor, redactDatabaseUrl } from './database-url';

/**
 * The body of every app's `src/migrate.ts`: applies the app's migrations to its own database and reports what
 * ran. Each migration runs in its own transaction, so a failure leaves the schema at the last good step.
 */
export async function runMigrationsCommand(
  service: string,
  migrations: NonNullable<DataSourceOptions['migrations']>,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  /** Runs on the same connection once the migrations are in (e.g. the grants of a service's runtime role). */
  after?: (ds: DataSource) => Promise<void>,
): Promise<void> {
  const url = databaseUrlFor(service);
  await ensureDatabase(url);
  const ds = await initializeDataSource(
    createDataSource({ url, applicationName: `${service}-migrate`, migrations }),
  );
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    log(
      applied.length
        ? `${service}: applied ${applied.map((m) => m.name).join(', ')} to ${redactDatabaseUrl(url)}`
        : `${service}: schema up to date at ${redactDatabaseUrl(url)}`,
    );
    await after?.(ds);
  } finally {
    await ds.destroy();
  }
}
