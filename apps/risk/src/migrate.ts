import { runMigrationsCommand } from '@wxpay/persistence';
import { RISK_MIGRATIONS } from './persistence/migrations';

runMigrationsCommand('risk', RISK_MIGRATIONS).catch((e: unknown) => {
  process.stderr.write(`risk: migrations failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
