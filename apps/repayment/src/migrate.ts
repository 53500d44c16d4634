import { runMigrationsCommand } from '@wxpay/persistence';
import { REPAYMENT_MIGRATIONS } from './persistence/migrations';

runMigrationsCommand('repayment', REPAYMENT_MIGRATIONS).catch((e: unknown) => {
  process.stderr.write(`repayment: migrations failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
