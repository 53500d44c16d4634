import { runMigrationsCommand } from '@wxpay/persistence';
import { SERVICE_NAME } from './config';
import { VAULT_MIGRATIONS } from './persistence/migrations';
import { grantVaultRuntimeRole } from './persistence/runtime-role';

/**
 * `node -r ./tools/ts-register.js apps/tokenization/src/migrate.ts` (the launcher runs it before the service), as
 * the schema's owner. With TOKENIZATION_RUNTIME_ROLE, that role then gets the service's rights and no more
 * (persistence/runtime-role.ts); the service connects as it.
 */
const runtimeRole = process.env.TOKENIZATION_RUNTIME_ROLE;
runMigrationsCommand(SERVICE_NAME, VAULT_MIGRATIONS, undefined, async (ds) => {
  if (runtimeRole) await grantVaultRuntimeRole(ds, runtimeRole);
}).catch((e: unknown) => {
  process.stderr.write(`tokenization migrations failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
