import {
  assertMigrationsApplied,
  createDataSource,
  databaseUrlFor,
  initializeDataSource,
} from '@wxpay/persistence';
import { type DataSource } from 'typeorm';
import { SERVICE_NAME } from '../config';
import { VAULT_MIGRATIONS } from '../persistence/migrations';

/** The service's own database (TOKENIZATION_DATABASE_URL, then DATABASE_URL), refused if migrations are pending. */
export async function openCliDatabase(purpose: string): Promise<DataSource> {
  const ds = await initializeDataSource(
    createDataSource({
      url: databaseUrlFor(SERVICE_NAME),
      applicationName: `${SERVICE_NAME}-${purpose}`,
      migrations: VAULT_MIGRATIONS,
      poolSize: 2,
    }),
  );
  await assertMigrationsApplied(ds);
  return ds;
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

export function fail(e: unknown): never {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
