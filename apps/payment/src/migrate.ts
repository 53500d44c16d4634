import { runMigrationsCommand } from '@wxpay/persistence';
import { SERVICE_NAME } from './config';
import { PAYMENT_MIGRATIONS } from './persistence/migrations';

runMigrationsCommand(SERVICE_NAME, PAYMENT_MIGRATIONS).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
