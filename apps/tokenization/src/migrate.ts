import { runMigrationsCommand } from '@wxpay/persistence';
import { SERVICE_NAME } from './config';
import { VAULT_MIGRATIONS } from './persistence/migrations';

/** `node -r ./tools/ts-register.js apps/tokenization/src/migrate.ts` (the launcher runs it before the service). */
runMigrationsCommand(SERVICE_NAME, VAULT_MIGRATIONS).catch((e: unknown) => {
  process.stderr.write(`tokenization migrations failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
